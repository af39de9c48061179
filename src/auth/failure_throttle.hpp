// Throttling of failed Basic-auth attempts per client address (docs/security.md, "Access"). Pure:
// the caller passes the clock. Bounded: at most `max_clients` addresses are remembered; when full,
// expired entries go first, then the one whose last failure is oldest.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ds::auth {

struct FailureLimits {
  int max_failures = 5;  // failures allowed inside one window
  // Failures older than this are forgotten; also the lockout after the last failure once
  // max_failures is reached.
  std::chrono::seconds window{60};
  size_t max_clients = 4096;  // addresses remembered at once
};

class FailureThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  using Limits = FailureLimits;

  explicit FailureThrottle(Limits limits = {});

  // Seconds until `client` may try again (0: it may try now).
  long long blockedFor(std::string_view client, Clock::time_point now) const;
  void recordFailure(std::string_view client, Clock::time_point now);
  void recordSuccess(std::string_view client);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point first;  // start of the current window
    Clock::time_point last;
  };
  void makeRoom(Clock::time_point now);

  Limits limits_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ds::auth
