// Who a verified token speaks for, and what it may do.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ds::auth {

// kControl implies kView: a controlling client also receives the stream.
enum class Role { kView, kControl };

std::string_view roleName(Role role);

struct Principal {
  std::string subject;  // the token's `sub`: a stable user id, also the TURN user
  Role role = Role::kView;
  std::chrono::system_clock::time_point expires_at;  // the token's `exp` (leeway not added)
  std::string token_id;                              // the token's `jti`, empty when absent
};

inline bool canControl(const Principal& p) { return p.role == Role::kControl; }

}  // namespace ds::auth
