#include "congestion/delay_tracker.hpp"

#include <algorithm>

namespace ds::congestion {

std::optional<double> DelayTracker::close(const Burst& burst) {
  if (!burst.min_delay_ns) return std::nullopt;
  const int64_t delay = *burst.min_delay_ns;
  // A monotonic deque: the front is the smallest delay of the window.
  while (!base_.empty() && base_.back().second >= delay) base_.pop_back();
  base_.emplace_back(burst.first_sent_ns, delay);
  while (base_.front().first < burst.first_sent_ns - kBaseWindowNs) base_.pop_front();
  return static_cast<double>(delay - base_.front().second) / 1e6;
}

std::optional<double> DelayTracker::onPackets(const std::vector<PacketTiming>& packets) {
  std::optional<double> newest;
  for (const auto& p : packets) {
    // A packet sent before the open burst (a retransmission, reordering) starts nothing new.
    if (open_ && p.sent_ns < open_->first_sent_ns) continue;
    if (!open_ || p.sent_ns - open_->first_sent_ns > kBurstNs) {
      if (open_) {
        if (auto q = close(*open_)) newest = q;
      }
      open_ = Burst{p.sent_ns, std::nullopt};
    }
    if (p.arrived_ns) {
      const int64_t delay = *p.arrived_ns - p.sent_ns;
      open_->min_delay_ns = open_->min_delay_ns ? std::min(*open_->min_delay_ns, delay) : delay;
    }
  }
  return newest;
}

}  // namespace ds::congestion
