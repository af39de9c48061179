#include "metrics/network.hpp"

#include <algorithm>
#include <string>

#include "metrics/families.hpp"

namespace ds::metrics {
namespace {

using detail::catchUp;
using detail::drop;
using detail::gauges;

template <typename Family>
void setOrDrop(Family& family, const prometheus::Labels& labels, std::optional<double> v) {
  if (v) {
    family.Add(labels).Set(*v);
  } else {
    drop(family, labels);
  }
}

prometheus::Labels reasonLabels(int connection, const char* reason) {
  auto labels = detail::connectionLabels(connection);
  labels.emplace("reason", reason);
  return labels;
}

}  // namespace

NetworkFamilies::NetworkFamilies(prometheus::Registry& registry)
    : target_(gauges(registry, "deskstream_network_target_kbps",
                     "Congestion control's bitrate target for this viewer, kbit/s")),
      received_(gauges(registry, "deskstream_network_received_kbps",
                       "What this viewer received over the newest transport feedback window "
                       "(TWCC), kbit/s")),
      capacity_(gauges(registry, "deskstream_network_capacity_kbps",
                       "Estimated bandwidth: what this viewer received when its path last "
                       "showed congestion, kbit/s")),
      path_(gauges(registry, "deskstream_network_path_kbps",
                   "The path's rate as the video frames' packet trains measured it (the "
                   "highest sample of the last 2 s; absent when unmeasured or unbounded), kbit/s")),
      queue_(gauges(registry, "deskstream_network_queue_ms",
                    "Estimated queueing delay on this viewer's path, ms")),
      rtt_(gauges(registry, "deskstream_network_rtt_ms",
                  "Round trip to this viewer from RTCP receiver reports, ms")),
      loss_(gauges(registry, "deskstream_network_loss_ratio",
                   "Share of this viewer's video packets lost (TWCC, smoothed), 0..1")),
      nacks_(detail::counters(registry, "deskstream_network_nacks_total",
                              "NACKs (retransmission requests) received from this viewer")),
      retransmissions_(detail::counters(registry, "deskstream_network_retransmissions_total",
                                        "Retransmission requests from this viewer passed on "
                                        "to the RTX sender (it resends what it still holds)")),
      refused_(detail::counters(registry, "deskstream_network_retransmissions_refused_total",
                                "Retransmission requests from this viewer dropped: over "
                                "its retransmission budget (a quarter of the media)")),
      plis_(detail::counters(registry, "deskstream_network_plis_total",
                             "PLIs (keyframe requests) received from this viewer")),
      decreases_(detail::counters(registry, "deskstream_network_decreases_total",
                                  "Times congestion control lowered this viewer's target, by "
                                  "rule: delay (a growing queue), rtt (a standing queue), loss")),
      encode_kbps_(gauges(registry, "deskstream_network_encode_kbps",
                          "The bitrate of the encode this viewer receives (the shared one, or "
                          "the lower one for a path far slower than the others'), kbit/s")),
      encode_fps_(gauges(registry, "deskstream_network_encode_fps",
                         "The frame rate of the encode this viewer receives")),
      low_encode_(
          gauges(registry, "deskstream_network_low_encode",
                 "1 while this viewer receives the lower encode instead of the shared one")),
      encoder_kbps_(gauges(registry, "deskstream_video_encoder_kbps",
                           "The bitrate the shared video encode runs at now (after congestion "
                           "control), kbit/s")
                        .Add({})),
      encoder_fps_(gauges(registry, "deskstream_video_encoder_fps",
                          "The frame rate the shared video encode runs at now")
                       .Add({})),
      limited_(gauges(registry, "deskstream_network_limited",
                      "1 while congestion control holds the encode below the configured bitrate "
                      "or frame rate")
                   .Add({})) {}

void NetworkFamilies::set(const std::vector<ViewerNetworkFigures>& viewers,
                          const EncoderFigures& encoder) {
  encoder_kbps_.Set(encoder.kbps);
  encoder_fps_.Set(encoder.fps);
  limited_.Set(encoder.limited ? 1 : 0);
  std::vector<int> now;
  for (const auto& v : viewers) {
    const auto labels = detail::connectionLabels(v.connection);
    setOrDrop(target_, labels, v.target_kbps);
    setOrDrop(received_, labels, v.received_kbps);
    setOrDrop(capacity_, labels, v.capacity_kbps);
    setOrDrop(path_, labels, v.path_kbps);
    setOrDrop(queue_, labels, v.queue_ms);
    setOrDrop(rtt_, labels, v.rtt_ms);
    setOrDrop(loss_, labels, v.loss);
    setOrDrop(encode_kbps_, labels, v.encode_kbps);
    setOrDrop(encode_fps_, labels, v.encode_fps);
    low_encode_.Add(labels).Set(v.low_encode ? 1 : 0);
    catchUp(nacks_.Add(labels), v.nacks);
    catchUp(plis_.Add(labels), v.plis);
    catchUp(retransmissions_.Add(labels), v.retransmissions);
    catchUp(refused_.Add(labels), v.retransmissions_refused);
    catchUp(decreases_.Add(reasonLabels(v.connection, "delay")), v.decreases_delay);
    catchUp(decreases_.Add(reasonLabels(v.connection, "rtt")), v.decreases_rtt);
    catchUp(decreases_.Add(reasonLabels(v.connection, "loss")), v.decreases_loss);
    catchUp(decreases_.Add(reasonLabels(v.connection, "stall")), v.decreases_stall);
    now.push_back(v.connection);
  }
  for (int gone : shown_) {
    if (std::find(now.begin(), now.end(), gone) != now.end()) continue;
    const auto labels = detail::connectionLabels(gone);
    for (Gauges* f : {&target_, &received_, &capacity_, &path_, &queue_, &rtt_, &loss_,
                      &encode_kbps_, &encode_fps_, &low_encode_}) {
      drop(*f, labels);
    }
    for (Counters* f : {&nacks_, &plis_, &retransmissions_, &refused_}) drop(*f, labels);
    for (const char* reason : {"delay", "rtt", "loss", "stall"})
      drop(decreases_, reasonLabels(gone, reason));
  }
  shown_ = std::move(now);
}

}  // namespace ds::metrics
