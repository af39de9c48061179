// The ICE servers of the browsers (/turn) and of the server's own webrtcbin, from Selkies'
// sources in its order of precedence: the SELKIES_RTC_CONFIG_JSON file when it exists (read at
// each use), else the SELKIES_TURN_REST_URI answer, else the STUN/TURN settings (docs/settings.md).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/result.hpp"
#include "turn/rest_monitor.hpp"
#include "turn/rtc_config.hpp"
#include "turn/rtc_parse.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::app {

turn::IceSettings iceSettings(const config::Config& c);

class IceSources {
 public:
  explicit IceSources(const config::Config& config) : config_(config) {}

  // With SELKIES_TURN_REST_URI: fetches once (waiting at most 11 s, as Selkies fetches before it
  // starts), then refreshes every DESKSTREAM_TURN_REST_INTERVAL seconds. Main thread.
  Status startRest();
  // For each new viewer's webrtcbin.
  webrtc::IceServers serverIce();
  // The /turn body: status 200 with the JSON, or 500 with a reason. `settings` are the STUN/TURN
  // settings for this request (credential lifetime, user) when neither file nor REST applies.
  std::pair<int, std::string> turnJson(const turn::IceSettings& settings, std::string_view user,
                                       std::chrono::system_clock::time_point now);

 private:
  std::optional<turn::ParsedRtc> external();

  const config::Config& config_;
  std::unique_ptr<turn::RestMonitor> rest_;
};

}  // namespace ds::app
