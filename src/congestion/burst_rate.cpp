#include "congestion/burst_rate.hpp"

#include <algorithm>
#include <limits>

namespace ds::congestion {

void BurstRate::onPackets(const std::vector<PacketTiming>& packets) {
  for (const auto& p : packets) {
    // A packet sent before the last one (a retransmission, reordering) is in no burst.
    if (last_sent_ns_ && p.sent_ns < *last_sent_ns_) continue;
    if (last_sent_ns_ && p.sent_ns - *last_sent_ns_ > kGapNs) close();
    last_sent_ns_ = p.sent_ns;
    if (!p.arrived_ns || p.bytes == 0) {
      open_lost_ = true;
      continue;
    }
    if (open_.size() < kMaxBurst) open_.push_back(Packet{p.sent_ns, *p.arrived_ns, p.bytes});
  }
  // The window ends at the newest packet, measured or not: frames too small to measure (or with
  // a loss) still move it on, so a cap's samples do not outlive it once its frames shrink.
  while (!samples_.empty() && last_sent_ns_ &&
         samples_.front().first < *last_sent_ns_ - kWindowNs) {
    samples_.pop_front();
  }
}

void BurstRate::close() {
  const bool measured = !open_lost_ && open_.size() >= kMinPackets;
  open_lost_ = false;
  if (!measured) {
    open_.clear();
    return;
  }
  // The second half: past a token bucket's burst, spaced by the bottleneck. Arrivals may be
  // reordered: the half's span is from its earliest to its latest arrival, and its bytes are
  // those that arrived after the earliest (its first packet's bytes were in the queue before).
  const size_t half = open_.size() / 2;
  size_t earliest = half;
  int64_t last = open_[half].arrived_ns;
  uint64_t bytes = 0;
  for (size_t i = half; i < open_.size(); ++i) {
    if (open_[i].arrived_ns < open_[earliest].arrived_ns) earliest = i;
    last = std::max(last, open_[i].arrived_ns);
    bytes += open_[i].bytes;
  }
  const int64_t first = open_[earliest].arrived_ns;
  bytes -= open_[earliest].bytes;
  const int64_t sent_span = open_.back().sent_ns - open_[half].sent_ns;
  const int64_t arrival_span = last - first;
  const int64_t at = open_.front().sent_ns;
  open_.clear();
  double kbps = std::numeric_limits<double>::infinity();
  if (arrival_span > 0) {
    kbps = static_cast<double>(bytes) * 8e6 / static_cast<double>(arrival_span);
    // Spaced not much wider than we sent them (a busy sender thread): our own pace may explain
    // it, so it bounds nothing.
    if (arrival_span <= 2 * sent_span) kbps = std::numeric_limits<double>::infinity();
  }
  samples_.emplace_back(at, kbps);
}

std::optional<double> BurstRate::kbps() const {
  if (samples_.size() < kMinSamples) return std::nullopt;
  double best = 0;
  for (const auto& [at, kbps] : samples_) best = std::max(best, kbps);
  return best;
}

}  // namespace ds::congestion
