// An RTCConfiguration JSON from outside (the SELKIES_RTC_CONFIG_JSON file, a TURN REST
// endpoint's answer) turned into webrtcbin's ICE server URIs, as Selkies' parse_rtc_config does:
// stun: URLs become stun://host:port (webrtcbin takes the first), turn:/turns: URLs become
// turn(s)://user:pass@host:port with the entry's username and credential URI-escaped (a
// ?transport= of the URL is kept). Pure.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "turn/rtc_config.hpp"

namespace ds::turn {

struct ParsedRtc {
  std::string json;  // as received, re-serialised (what /turn serves)
  ServerUris uris;   // for the server's own webrtcbin
};

// Errors: not a JSON object with an iceServers array, or a TURN URL without username/credential.
Result<ParsedRtc> parseRtcConfig(std::string_view text, bool force_relay = false);

}  // namespace ds::turn
