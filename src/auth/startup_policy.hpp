// Safe and loud defaults (docs/security.md, "Access"): whether Basic auth stays on next to JWT, and
// the warnings printed at start-up for risky configurations. Pure; unit-tested in tests/unit/auth.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ds::auth {

inline constexpr std::string_view kWellKnownBasicPassword = "mypasswd";  // Selkies' default

// With JWT configured, Basic auth is on only when SELKIES_ENABLE_BASIC_AUTH was set explicitly
// to true; without JWT the configured value (Selkies' default: true) stands.
bool basicAuthEnabled(bool jwt_enabled, bool configured, bool explicitly_set);

// 127.0.0.0/8, ::1, ::ffff:127.x and "localhost"; 0.0.0.0 and :: are not.
bool isLoopbackAddress(std::string_view addr);

struct StartupFacts {
  std::string listen_addr;
  bool basic_auth = false;
  std::string basic_password;
  bool jwt = false;
};

// One line per risky setting, for log::warn; empty when there is nothing to say.
std::vector<std::string> startupWarnings(const StartupFacts& facts);

}  // namespace ds::auth
