// Per-viewer network figures (congestion control and the transport's RTCP) and what the shared
// encode runs at, for /metrics (docs/metrics.md). Part of metrics::Metrics; not used on its own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace ds::metrics {

struct ViewerNetworkFigures {
  int connection = 0;
  std::optional<double> target_kbps;    // congestion control's target for this viewer
  std::optional<double> received_kbps;  // what arrived, from the newest TWCC feedback
  std::optional<double> capacity_kbps;  // received rate at the last congestion
  std::optional<double> path_kbps;      // the frames' packet trains' rate (congestion::BurstRate)
  std::optional<double> queue_ms;       // estimated queueing delay on the path
  std::optional<double> rtt_ms;         // RTCP round trip
  std::optional<double> loss;           // share of packets lost, 0..1
  uint64_t nacks = 0;                   // monotonic, per connection
  uint64_t plis = 0;
  uint64_t retransmissions = 0;          // requests passed on to the RTX sender
  uint64_t retransmissions_refused = 0;  // requests over the retransmission budget
  // Congestion control's decreases by rule (monotonic): "delay", "rtt", "loss",
  // "stall".
  uint64_t decreases_delay = 0;
  uint64_t decreases_rtt = 0;
  uint64_t decreases_loss = 0;
  uint64_t decreases_stall = 0;
  // What this viewer's encode runs at: the shared one's, or the lower one's while it is on it.
  std::optional<double> encode_kbps;
  std::optional<double> encode_fps;
  bool low_encode = false;  // it watches the lower encode (a path far slower than the others')
};

struct EncoderFigures {
  int kbps = 0;  // the bitrate the shared encoder runs at (after congestion control)
  int fps = 0;
  bool limited = false;  // congestion control holds it below the configured quality
};

class NetworkFamilies {
 public:
  explicit NetworkFamilies(prometheus::Registry& registry);
  // Replaces every viewer's series (viewers not listed disappear).
  void set(const std::vector<ViewerNetworkFigures>& viewers, const EncoderFigures& encoder);

 private:
  using Gauges = prometheus::Family<prometheus::Gauge>;
  using Counters = prometheus::Family<prometheus::Counter>;
  Gauges& target_;
  Gauges& received_;
  Gauges& capacity_;
  Gauges& path_;
  Gauges& queue_;
  Gauges& rtt_;
  Gauges& loss_;
  Counters& nacks_;
  Counters& retransmissions_;
  Counters& refused_;
  Counters& plis_;
  Counters& decreases_;
  Gauges& encode_kbps_;
  Gauges& encode_fps_;
  Gauges& low_encode_;
  prometheus::Gauge& encoder_kbps_;
  prometheus::Gauge& encoder_fps_;
  prometheus::Gauge& limited_;
  std::vector<int> shown_;  // connections with series
};

}  // namespace ds::metrics
