// Mid-stream token expiry: when to warn, when to disconnect, and which fresh tokens may extend
// a live connection. Pure; the signalling layer owns the timers and the messages
// (docs/access.md, "Expiry mid-stream").
#pragma once

#include <chrono>
#include <string>

#include "auth/principal.hpp"
#include "core/result.hpp"

namespace ds::auth {

struct ExpiryPlan {
  std::chrono::system_clock::time_point warn_at;        // send AUTH_EXPIRING
  std::chrono::system_clock::time_point disconnect_at;  // send AUTH_EXPIRED, close 4401
};

struct ExpiryPolicy {
  std::chrono::seconds warn_before{60};  // warning this long before exp
  std::chrono::seconds grace{30};        // disconnect this long after exp
};

// For a connection authorised by `principal` at `now`. warn_at is never before `now`.
ExpiryPlan planExpiry(const Principal& principal, std::chrono::system_clock::time_point now,
                      const ExpiryPolicy& policy = {});

// A refresh token (already verified) may replace `current` on a live connection only if it is
// for the same subject and lasts longer. Its role replaces the current one (a platform may
// revoke control by refreshing with desktop:view). Error messages start with "jwt refresh:".
Result<Principal> acceptRefresh(const Principal& current, const Principal& fresh);

// The role a live connection has after a refresh: a view token demotes a controller at once;
// a control token never promotes a live view-only connection (it applies on reconnect, where
// the one-controller rule of the signalling layer is checked again).
Role liveRole(Role current, Role fresh);

}  // namespace ds::auth
