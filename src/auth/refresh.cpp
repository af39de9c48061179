#include "auth/refresh.hpp"

#include <algorithm>

namespace ds::auth {

ExpiryPlan planExpiry(const Principal& principal, std::chrono::system_clock::time_point now,
                      const ExpiryPolicy& policy) {
  ExpiryPlan plan;
  plan.warn_at = std::max(now, principal.expires_at - policy.warn_before);
  plan.disconnect_at = std::max(now, principal.expires_at + policy.grace);
  return plan;
}

Result<Principal> acceptRefresh(const Principal& current, const Principal& fresh) {
  if (fresh.subject != current.subject) {
    return fail("jwt refresh: token is for another subject");
  }
  if (fresh.expires_at <= current.expires_at) {
    return fail("jwt refresh: token does not extend the current expiry");
  }
  return fresh;
}

Role liveRole(Role current, Role fresh) {
  return current == Role::kControl && fresh == Role::kControl ? Role::kControl : Role::kView;
}

}  // namespace ds::auth
