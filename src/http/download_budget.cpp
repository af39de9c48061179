#include "http/download_budget.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace ds::http {

Result<std::size_t> selfTestBytes(std::optional<std::string_view> query) {
  if (!query) return kDefaultSelfTestBytes;
  std::size_t n = 0;
  const auto* end = query->data() + query->size();
  auto [ptr, ec] = std::from_chars(query->data(), end, n);
  if (query->empty() || ec != std::errc() || ptr != end || n == 0 || n > kMaxSelfTestBytes) {
    return fail("bytes must be a whole number from 1 to " + std::to_string(kMaxSelfTestBytes));
  }
  return n;
}

std::string incompressibleBytes(std::size_t n) {
  std::string out(n, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (std::size_t i = 0; i < n; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    for (std::size_t b = 0; b < 8 && i + b < n; ++b) out[i + b] = static_cast<char>(x >> (8 * b));
  }
  return out;
}

int DownloadBudget::waitFor(const Window& w, Clock::time_point now) const {
  const auto left = std::chrono::ceil<std::chrono::seconds>(w.start + limits_.window - now);
  return std::max(1, static_cast<int>(left.count()));
}

void DownloadBudget::expire(Clock::time_point now) {
  if (now - total_.start >= limits_.window) total_ = Window{now, 0};
  std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.start >= limits_.window; });
}

int DownloadBudget::take(const std::string& client, std::size_t bytes, Clock::time_point now) {
  expire(now);
  if (bytes > limits_.total_bytes - std::min(limits_.total_bytes, total_.used)) {
    return waitFor(total_, now);
  }
  auto it = clients_.find(client);
  if (it == clients_.end()) {
    if (clients_.size() >= limits_.max_clients) {
      // Forget the oldest window: the table stays bounded; the total still caps everyone.
      auto oldest = std::min_element(
          clients_.begin(), clients_.end(),
          [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
      clients_.erase(oldest);
    }
    it = clients_.emplace(client, Window{now, 0}).first;
  }
  if (bytes > limits_.per_client_bytes - std::min(limits_.per_client_bytes, it->second.used)) {
    return waitFor(it->second, now);
  }
  it->second.used += bytes;
  total_.used += bytes;
  return 0;
}

}  // namespace ds::http
