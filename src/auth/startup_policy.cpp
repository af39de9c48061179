#include "auth/startup_policy.hpp"

#include "core/strings.hpp"

namespace ds::auth {

bool basicAuthEnabled(bool jwt_enabled, bool configured, bool explicitly_set) {
  if (!jwt_enabled) return configured;
  return configured && explicitly_set;
}

bool isLoopbackAddress(std::string_view addr) {
  std::string a = toLower(trim(addr));
  if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
  if (a == "localhost" || a == "::1" || a == "0:0:0:0:0:0:0:1") return true;
  if (a.rfind("::ffff:", 0) == 0) a = a.substr(7);
  const auto parts = split(a, '.');
  if (parts.size() != 4) return false;
  for (const auto p : parts) {
    const auto n = parseInt(p);
    if (!n || *n < 0 || *n > 255) return false;
  }
  return parts[0] == "127";
}

std::vector<std::string> startupWarnings(const StartupFacts& f) {
  std::vector<std::string> out;
  if (f.basic_auth && f.basic_password == kWellKnownBasicPassword) {
    out.push_back("SECURITY WARNING: Basic auth uses the well-known default password \"" +
                  std::string(kWellKnownBasicPassword) +
                  "\": anyone who can reach this port can take over the desktop. Set "
                  "SELKIES_BASIC_AUTH_PASSWORD, or use JWT (docs/access.md)");
  }
  if (!f.basic_auth && !f.jwt && !isLoopbackAddress(f.listen_addr)) {
    out.push_back(
        "SECURITY WARNING: no authentication (Basic auth and JWT are both off) while "
        "listening on " +
        f.listen_addr +
        ", which is not a loopback address: anyone who can reach this port controls "
        "the desktop");
  }
  return out;
}

}  // namespace ds::auth
