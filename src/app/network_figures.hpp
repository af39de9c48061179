// The session manager's per-viewer network state as metrics figures (app/ wires the two).
#pragma once

#include <vector>

#include "metrics/network.hpp"
#include "session/manager.hpp"

namespace ds::app {

std::vector<metrics::ViewerNetworkFigures> networkFigures(const session::Manager& sessions);
metrics::EncoderFigures encoderFigures(const session::Manager& sessions);

}  // namespace ds::app
