// The Opus bitrate while congestion control holds a viewer's video low. Audio has its own peer
// connection, which the video's controller does not see: at its default 128 kbit/s it is more
// than the video's whole share of a 300 kbit/s path, so the video could not get through however
// far it went down. One audio encode is shared by every viewer, so the slowest viewer's video
// target sets it: audio takes at most a quarter of that target, on a few fixed steps (a change
// of the encoder's bitrate only where a step is crossed), never under 24 kbit/s (Opus is still
// clear speech there) and never above the configured bitrate. Pure.
#pragma once

#include <optional>

namespace ds::congestion {

// `configured_bps`: SELKIES_AUDIO_BITRATE or the page's `ab`. `lowest_video_kbps`: the lowest
// video target among the viewers under congestion control (none: no such viewer).
// `previous_bps`: what the encoder runs at; a step up needs a quarter of the target to clear the
// step by 25 %, so a target moving around one step's line does not switch back and forth.
int audioBitrateFor(int configured_bps, std::optional<int> lowest_video_kbps, int previous_bps = 0);

}  // namespace ds::congestion
