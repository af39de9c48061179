// Option rows, second part: video, audio, the desktop, statistics and metrics (Selkies'
// settings, in Selkies' order).
#include <string>
#include <vector>

#include "config/option_builders.hpp"

namespace ds::config::rows {

void appendMediaOptions(std::vector<Option>& o, const std::vector<std::string>& encoders) {
  o.push_back(opt("encoder", "SELKIES_ENCODER", "x264enc",
                  "Video encoder; falls back to x264enc when it is not available", join(encoders),
                  oneOf(at(&Config::video, &VideoConfig::encoder), encoders)));
  o.push_back(opt("gpu_id", "SELKIES_GPU_ID", "0", "GPU index for nv* and va* encoders",
                  "a whole number 0..1000 (negative: the default GPU)",
                  reader(at(&Config::video, &VideoConfig::gpu_id), selkies::readGpuId)));
  o.push_back(opt("framerate", "SELKIES_FRAMERATE", "60", "Capture and encode frame rate (fps)",
                  "a whole number of frames per second, at least 1",
                  reader(at(&Config::video, &VideoConfig::framerate), selkies::readFramerate)));
  o.push_back(
      opt("video_bitrate", "SELKIES_VIDEO_BITRATE", "8000", "Video bitrate in kbit/s",
          "a whole number of kbit/s 1..2048000",
          reader(at(&Config::video, &VideoConfig::bitrate_kbps), selkies::readVideoBitrate)));
  o.push_back(opt("keyframe_distance", "SELKIES_KEYFRAME_DISTANCE", "-1",
                  "Seconds between keyframes; -1 = only on request (PLI/FIR)",
                  "a number of seconds (fractions allowed) or -1",
                  reader(at(&Config::video, &VideoConfig::keyframe_distance_s),
                         selkies::readKeyframeDistance)));
  o.push_back(opt("congestion_control", "SELKIES_CONGESTION_CONTROL", "true",
                  "Congestion control: the browser's transport-wide feedback (TWCC) drives the "
                  "encoder bitrate and frame rate (on by default, unlike Selkies)",
                  kBool, boolean(at(&Config::video, &VideoConfig::congestion_control))));
  o.push_back(
      opt("video_packetloss_percent", "SELKIES_VIDEO_PACKETLOSS_PERCENT", "0",
          "Expected video loss; >0 enables ULPFEC/RED at that percentage", kPercent,
          reader(at(&Config::video, &VideoConfig::packetloss_percent), selkies::readLossPercent)));
  o.push_back(
      opt("audio_bitrate", "SELKIES_AUDIO_BITRATE", "128000", "Opus bitrate in bit/s",
          "a whole number of bit/s",
          reader(at(&Config::audio, &AudioConfig::bitrate_bps), selkies::readAudioBitrate)));
  o.push_back(opt("audio_channels", "SELKIES_AUDIO_CHANNELS", "2", "Audio channels",
                  "an integer 1..8", integer(at(&Config::audio, &AudioConfig::channels), 1, 8)));
  o.push_back(
      opt("audio_packetloss_percent", "SELKIES_AUDIO_PACKETLOSS_PERCENT", "0",
          "Expected audio loss; >0 enables Opus in-band FEC", kPercent,
          reader(at(&Config::audio, &AudioConfig::packetloss_percent), selkies::readLossPercent)));
  o.push_back(opt("enable_clipboard", "SELKIES_ENABLE_CLIPBOARD", "true",
                  "Clipboard sync: true (both ways), false, in (browser to desktop), out "
                  "(desktop to browser)",
                  "true, false, in or out", [](Config& c, std::string_view v) {
                    return take(c.desktop.clipboard, selkies::readClipboard(v));
                  }));
  o.push_back(opt("enable_resize", "SELKIES_ENABLE_RESIZE", "false",
                  "Resize the X screen to the browser window", kBool,
                  boolean(at(&Config::desktop, &DesktopConfig::enable_resize))));
  o.push_back(opt("enable_cursors", "SELKIES_ENABLE_CURSORS", "true",
                  "Send the remote cursor image to the browser", kBool,
                  boolean(at(&Config::desktop, &DesktopConfig::enable_cursors))));
  o.push_back(opt("debug_cursors", "SELKIES_DEBUG_CURSORS", "false",
                  "Log every cursor change and write each new cursor image to "
                  "/tmp/cursor_<serial>.png (at most 256)",
                  kBool, boolean(at(&Config::desktop, &DesktopConfig::debug_cursors))));
  o.push_back(
      opt("cursor_size", "SELKIES_CURSOR_SIZE", "-1",
          "Size in pixels the remote cursor images are scaled to; -1 = native size. When "
          "unset, XCURSOR_SIZE is used, so one variable sets the desktop's and the "
          "browser's cursor size",
          "-1 or a whole number of pixels",
          reader(at(&Config::desktop, &DesktopConfig::cursor_size), selkies::readCursorSize)));
  o.back().fallback_env = "XCURSOR_SIZE";
  o.push_back(opt("enable_webrtc_statistics", "SELKIES_ENABLE_WEBRTC_STATISTICS", "false",
                  "Write the client's WebRTC statistics to CSV files in "
                  "SELKIES_WEBRTC_STATISTICS_DIR, per connection selkies-stats-video-<time>.csv "
                  "and selkies-stats-audio-<time>.csv (bounded: 64 MiB a file, 512 MiB in all)",
                  kBool, boolean(at(&Config::stats, &StatsConfig::enable))));
  o.push_back(opt("webrtc_statistics_dir", "SELKIES_WEBRTC_STATISTICS_DIR", "/tmp",
                  "Directory for the statistics CSV files; must be writable when they are on",
                  kAnyText, str(at(&Config::stats, &StatsConfig::dir))));
  o.push_back(opt("enable_metrics_http", "SELKIES_ENABLE_METRICS_HTTP", "false",
                  "Serve Prometheus metrics at /metrics on their own port (no auth there)", kBool,
                  boolean(at(&Config::metrics, &MetricsConfig::enable_http))));
  o.push_back(opt("metrics_http_port", "SELKIES_METRICS_HTTP_PORT", "8000",
                  "Port of the Prometheus exporter (on SELKIES_ADDR)", kPort,
                  integer(at(&Config::metrics, &MetricsConfig::http_port), 1, 65535)));
}

}  // namespace ds::config::rows
