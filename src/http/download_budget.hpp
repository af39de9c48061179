// The connection self-test's download (`GET /selftest?bytes=N`, docs/security.md): pure limits.
// A request asks for N bytes (default kDefaultBytes, at most kMaxBytes); each client (address as
// seen through trusted proxies) may download at most `per_client_bytes` per window, and all
// clients together at most `total_bytes` per window; over either, the answer is 429 with the
// seconds until the window ends. At most `max_clients` clients are tracked (the oldest window is
// forgotten first), so the table itself is bounded. No sockets; unit-tested directly.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace ds::http {

inline constexpr std::size_t kDefaultSelfTestBytes = 2 * 1024 * 1024;
inline constexpr std::size_t kMaxSelfTestBytes = 8 * 1024 * 1024;

// `bytes` query value → size; absent: the default; not a decimal in 1..kMaxSelfTestBytes: error.
Result<std::size_t> selfTestBytes(std::optional<std::string_view> query);

// `n` bytes that do not compress (xorshift), so a compressing proxy cannot inflate the figure.
std::string incompressibleBytes(std::size_t n);

class DownloadBudget {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::size_t per_client_bytes = 32 * 1024 * 1024;
    std::size_t total_bytes = 128 * 1024 * 1024;
    std::chrono::seconds window{60};
    std::size_t max_clients = 1024;
  };

  DownloadBudget() = default;
  explicit DownloadBudget(Limits limits) : limits_(limits) {}

  // 0: allowed and charged. Otherwise the seconds to wait (nothing is charged).
  int take(const std::string& client, std::size_t bytes, Clock::time_point now);

  std::size_t trackedClients() const { return clients_.size(); }

 private:
  struct Window {
    Clock::time_point start;
    std::size_t used = 0;
  };
  void expire(Clock::time_point now);
  int waitFor(const Window& w, Clock::time_point now) const;

  Limits limits_;
  Window total_;
  std::unordered_map<std::string, Window> clients_;
};

}  // namespace ds::http
