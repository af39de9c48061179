#include "app/network_figures.hpp"

#include <cmath>

namespace ds::app {

std::vector<metrics::ViewerNetworkFigures> networkFigures(const session::Manager& sessions) {
  std::vector<metrics::ViewerNetworkFigures> out;
  for (const auto& v : sessions.viewerNetworks()) {
    metrics::ViewerNetworkFigures f;
    f.connection = v.connection;
    if (v.control) {
      f.target_kbps = v.control->target_kbps;
      f.capacity_kbps = v.control->capacity_kbps;
      f.queue_ms = v.control->queue_ms;
      f.loss = v.control->loss;
      f.decreases_delay = v.control->decreases.delay;
      f.decreases_rtt = v.control->decreases.rtt;
      f.decreases_loss = v.control->decreases.loss;
      f.decreases_stall = v.control->decreases.stall;
      f.low_encode = v.control->low_encode;
      const auto encode = sessions.encoderSettingFor(v.connection);
      f.encode_kbps = encode.kbps;
      f.encode_fps = encode.fps;
    } else if (v.transport.fraction_lost) {
      f.loss = *v.transport.fraction_lost;  // without congestion control: the receiver report
    }
    if (v.transport.feedback) {
      f.received_kbps = v.transport.feedback->recv_kbps;
      const auto& path = v.transport.feedback->burst_kbps;
      if (path && std::isfinite(*path)) f.path_kbps = *path;
    }
    f.rtt_ms = v.transport.rtt_ms;
    f.nacks = v.transport.nacks;
    f.plis = v.transport.plis;
    f.retransmissions = v.transport.retransmissions.sent;
    f.retransmissions_refused = v.transport.retransmissions.refused;
    out.push_back(f);
  }
  return out;
}

metrics::EncoderFigures encoderFigures(const session::Manager& sessions) {
  const auto s = sessions.encoderSetting();
  return {s.kbps, s.fps, sessions.networkLimited()};
}

}  // namespace ds::app
