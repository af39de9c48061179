// Checks on the browser's answer before webrtcbin sees it. Pure text processing.
#pragma once

#include <string>
#include <string_view>

namespace ds::sdp {

// The sections (`m=` lines) an answer declines with port 0, e.g. "video" when the browser
// cannot decode any codec of the offer; empty when it accepts them all. webrtcbin asserts
// (aborting the process) on an answer that declines a bundled section, so such an answer must
// never reach it.
std::string declinedSections(std::string_view answer);

// The video codec an offer proposes: the encoding name of the first payload type of the first
// video section (e.g. "H265"); empty when there is none.
std::string offeredVideoCodec(std::string_view offer);

// The video codec a viewer receives: the first payload type of our offer's first video section
// (our order of preference) that the answer's first video section also lists, as its encoding
// name in upper case ("VP8"); rtx, red, ulpfec and flexfec are never chosen. Empty when the
// answer lists none of them (or either text has no video section).
std::string chosenCodec(std::string_view offer, std::string_view answer);

}  // namespace ds::sdp
