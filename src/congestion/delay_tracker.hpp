// Queueing delay on the path to one viewer, measured packet by packet from transport-wide
// congestion control feedback (TWCC): for each packet, our send time and the browser's arrival
// time. Pure: no GStreamer, no clock of its own.
//
// Why per packet: a frame leaves the encoder as one burst, and on a slow link its last packet
// arrives one serialisation time (frame size / link rate) after its first. Rates summed over a
// window that ends on such a last packet (GStreamer's `twcc-stats`) read as "received more
// slowly than sent" even when no queue builds up, and more so at a low frame rate, where each
// frame is bigger. Here the packets are grouped into bursts (sent within 5 ms of the burst's
// first, as GCC groups them), and a burst's delay is its smallest one-way delay: its first
// packet's, which waits only for what earlier bursts left in the queue. That, less the smallest
// burst delay of the last 10 s (the path's base delay; the two clocks' offset cancels), is the
// queue that the bursts before it left behind.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace ds::congestion {

// One packet of a TWCC feedback: send and arrival times in nanoseconds (each on its own clock).
struct PacketTiming {
  int64_t sent_ns = 0;
  std::optional<int64_t> arrived_ns;  // none: reported lost
  uint32_t bytes = 0;                 // the RTP packet's size (BurstRate; 0: unknown)
};

class DelayTracker {
 public:
  // The packets of one feedback, in sending order. Returns the queueing delay (ms) of the newest
  // burst completed by them, or nothing when none completed.
  std::optional<double> onPackets(const std::vector<PacketTiming>& packets);

  static constexpr int64_t kBurstNs = 5'000'000;            // a burst: sent within 5 ms
  static constexpr int64_t kBaseWindowNs = 10'000'000'000;  // base delay: minimum over 10 s

 private:
  struct Burst {
    int64_t first_sent_ns = 0;
    std::optional<int64_t> min_delay_ns;  // none while every packet of it is lost
  };
  // The burst is complete: its delay joins the base window; the result is its queueing delay.
  std::optional<double> close(const Burst& burst);

  std::optional<Burst> open_;
  std::deque<std::pair<int64_t, int64_t>> base_;  // (sent, delay): increasing delays, a window min
};

}  // namespace ds::congestion
