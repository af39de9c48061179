// The path's rate as the video frames themselves measure it (packet-train dispersion), from the
// same per-packet TWCC times as DelayTracker, with each packet's size. Pure: no GStreamer, no
// clock of its own.
//
// A frame leaves as one burst of back-to-back packets. A bottleneck of rate C spaces them out:
// past its own buffer's first few kilobytes (a token bucket's burst), the packets arrive
// size / C apart whatever the queue holds. So the bytes of a burst's second half over the time
// they took to arrive is a sample of C. Samples read high when the path batches arrivals (a
// bucket, Wi-Fi aggregation) and low when other traffic was interleaved or jitter spread the
// packets; the estimate is the highest sample of the last two seconds, so it errs high, never
// holding the target under a path that carries more. It is what lets the controller stop the
// target short of a capacity it has just measured without waiting for a queue to show it
// (GCC's probes answer the same question with padding; here the encoder's frames are the probes).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "congestion/delay_tracker.hpp"

namespace ds::congestion {

class BurstRate {
 public:
  // The packets of one feedback, in sending order (PacketTiming::bytes set).
  void onPackets(const std::vector<PacketTiming>& packets);
  // The estimate (kbit/s) from the bursts sent in the kWindowNs up to the newest packet; none
  // without kMinSamples of them.
  // Infinite when a recent burst arrived with no spacing at all (no bottleneck to see).
  std::optional<double> kbps() const;

  static constexpr int64_t kGapNs = 1'000'000;         // one burst: sent within 1 ms of the last
  static constexpr size_t kMinPackets = 6;             // a burst measured: at least this many
  static constexpr int64_t kWindowNs = 2'000'000'000;  // samples kept: by send time
  static constexpr size_t kMinSamples = 3;
  static constexpr size_t kMaxBurst = 512;  // packets remembered of one burst

 private:
  struct Packet {
    int64_t sent_ns;
    int64_t arrived_ns;
    uint32_t bytes;
  };
  void close();

  std::vector<Packet> open_;
  bool open_lost_ = false;  // a packet of the open burst was lost: its spacing says nothing
  std::optional<int64_t> last_sent_ns_;
  std::deque<std::pair<int64_t, double>> samples_;  // (first sent, kbit/s)
};

}  // namespace ds::congestion
