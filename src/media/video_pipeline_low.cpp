// media::VideoPipeline, continued: the lower encode of the primary codec for viewers on slow
// paths. It taps the same raw tee as the others, scales and thins the picture itself
// (Encode's own_size_and_rate) and shares their SSRC and timestamp offset, so a viewer's branch
// can be moved between it and the primary (media/rtp_switch.hpp). Main-loop thread only.
#include <algorithm>
#include <string>

#include "core/log.hpp"
#include "media/video_pipeline.hpp"

namespace ds::media {
namespace {
constexpr const char* kLog = "media";
}  // namespace

EncodeParams VideoPipeline::lowParams() const {
  // The encoder's rate control counts on the caps' frame rate (the capture's), but gets only
  // low_setting_.fps of those frames: it is given the bitrate that yields the wanted one at
  // that rate, and the VBV of the capture's frame time (which then holds 1.5 of its frames).
  // Not libvpx's, which reads the rate from the timestamps (before: VP8 and VP9 got 3x the
  // bitrate at 10 of 30 fps).
  EncodeParams params = options_.params;
  const int capture_fps = captureFps();
  const int fps = low_setting_.fps > 0 ? std::min(low_setting_.fps, capture_fps) : capture_fps;
  const int kbps = low_setting_.kbps > 0 ? low_setting_.kbps : options_.params.bitrate_kbps;
  if (profile_.rate_from_timestamps) {
    // libvpx sees the real frame rate in the timestamps: the bitrate as it is, the buffer of
    // the real frame time.
    params.bitrate_kbps = std::max(1, kbps);
    params.framerate = fps;
    return params;
  }
  params.bitrate_kbps = std::max(1, kbps * capture_fps / fps);
  return params;
}

Result<GstElement*> VideoPipeline::acquireLow() {
  if (low_) {
    ++low_->users;
    return low_->tee();
  }
  auto known = profileFor(profile_.encoder, lowParams());
  if (!known) return Unexpected<Error>{known.error()};
  EncoderProfile& current = *known;
  current.payload_type = profile_.payload_type;
  current.rtp_caps = profile_.rtp_caps;
  EncodeOptions o = encodeOptions("low-");
  o.own_size_and_rate = true;
  auto encode = Encode::add(pipeline_.get(), raw_tee_, current, std::move(o), /*live=*/true);
  if (!encode) return Unexpected<Error>{encode.error()};
  low_ = std::move(*encode);
  low_->users = 1;
  applyLowSetting();
  gate_.forceNext();  // its first frame now, not at the static screen's next repeat
  log::info(kLog, "lower " + profile_.codec + " encode started for a viewer on a slow path");
  return low_->tee();
}

void VideoPipeline::releaseLow() {
  if (low_ && --low_->users <= 0) {
    low_.reset();
    log::info(kLog, "lower " + profile_.codec + " encode stopped: no viewer needs it");
  }
}

void VideoPipeline::setLowSetting(int kbps, int fps, int scale_percent) {
  low_setting_ = {kbps, fps, scale_percent};
  applyLowSetting();
}

void VideoPipeline::applyLowSetting() {
  if (!low_) return;
  // The size is relative to what the raw tee carries, which the shared scale may have shrunk.
  const int shared = std::max(1, scalePercent());
  const int relative = std::clamp(low_setting_.scale_percent * 100 / shared, 10, 100);
  const EncodeParams params = lowParams();
  low_->setSizeAndRate(relative, low_setting_.fps >= captureFps() ? 0 : low_setting_.fps);
  low_->setBitrate(params);
  low_->setFramerate(params);
}

}  // namespace ds::media
