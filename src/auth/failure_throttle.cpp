#include "auth/failure_throttle.hpp"

#include <algorithm>

namespace ds::auth {

FailureThrottle::FailureThrottle(Limits limits) : limits_(limits) {
  limits_.max_failures = std::max(1, limits_.max_failures);
  limits_.max_clients = std::max<size_t>(1, limits_.max_clients);
}

long long FailureThrottle::blockedFor(std::string_view client, Clock::time_point now) const {
  const auto it = entries_.find(std::string(client));
  if (it == entries_.end() || it->second.failures < limits_.max_failures) return 0;
  const auto until = it->second.last + limits_.window;
  if (now >= until) return 0;
  return std::max<long long>(1,
                             std::chrono::duration_cast<std::chrono::seconds>(until - now).count());
}

void FailureThrottle::makeRoom(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.last >= limits_.window; });
  while (entries_.size() >= limits_.max_clients) {
    const auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(oldest);
  }
}

void FailureThrottle::recordFailure(std::string_view client, Clock::time_point now) {
  auto it = entries_.find(std::string(client));
  if (it == entries_.end()) {
    makeRoom(now);
    it = entries_.emplace(std::string(client), Entry{0, now, now}).first;
  }
  Entry& e = it->second;
  const bool lockout_over = now - e.last >= limits_.window;
  const bool window_over = e.failures < limits_.max_failures && now - e.first >= limits_.window;
  if (lockout_over || window_over) e = Entry{0, now, now};  // earlier failures no longer count
  ++e.failures;
  e.last = now;
}

void FailureThrottle::recordSuccess(std::string_view client) {
  entries_.erase(std::string(client));
}

}  // namespace ds::auth
