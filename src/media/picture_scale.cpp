#include "media/picture_scale.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/tsan.hpp"

namespace ds::media {
namespace {

constexpr const char* kLog = "media";
constexpr int kMinPercent = 10;
constexpr int kMinSide = 16;

}  // namespace

std::vector<ChainLink> PictureScale::links(const std::string& prefix) {
  return {ChainLink({"videoscale", prefix + "scaler", {{"add-borders", "false"}}}, "scaler"),
          capsLink("video/x-raw", prefix + "scale-caps", "scale-caps")};
}

PictureScale::PictureScale(GstElement* scaler, GstElement* filter) : filter_(refPtr(filter)) {
  sink_.reset(gst_element_get_static_pad(scaler, "sink"));
  core::tsanPublish(this);  // onCaps runs on the capture thread (core/tsan.hpp)
  probe_ = gst_pad_add_probe(sink_.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                             &PictureScale::onCaps, this, nullptr);
}

PictureScale::~PictureScale() {
  if (sink_ != nullptr && probe_ != 0) gst_pad_remove_probe(sink_.get(), probe_);
  core::tsanJoin(this);
}

std::pair<int, int> PictureScale::scaledSize(int width, int height, int percent) {
  const auto side = [percent](int v) {
    return std::max(kMinSide, static_cast<int>(static_cast<int64_t>(v) * percent / 100) & ~1);
  };
  return {side(width), side(height)};
}

void PictureScale::set(int percent) {
  const std::lock_guard<std::mutex> hold(lock_);
  percent_ = std::clamp(percent, kMinPercent, 100);
  applyLocked();
}

int PictureScale::percent() const {
  const std::lock_guard<std::mutex> hold(lock_);
  return percent_;
}

void PictureScale::applyLocked() {
  // At 100 % the captured size itself, not open caps: with open caps videoscale would take the
  // first size another branch of the tee after it prefers (the lower encode's smaller one).
  std::pair<int, int> want{0, 0};
  if (width_ > 0 && height_ > 0) {
    want = percent_ < 100 ? scaledSize(width_, height_, percent_) : std::pair{width_, height_};
  }
  if (want == applied_) return;
  const bool was_scaled = applied_.first > 0 && applied_ != std::pair{width_, height_};
  applied_ = want;
  std::string text = "video/x-raw";
  if (want.first > 0) {
    text += ",width=" + std::to_string(want.first) + ",height=" + std::to_string(want.second) +
            ",pixel-aspect-ratio=1/1";
  }
  const CapsPtr caps(gst_caps_from_string(text.c_str()));
  g_object_set(filter_.get(), "caps", caps.get(), nullptr);  // videoscale renegotiates
  if (percent_ < 100) {
    log::info(kLog, "encoding " + std::to_string(percent_) + " % of " + std::to_string(width_) +
                        "x" + std::to_string(height_) + ": " + std::to_string(want.first) + "x" +
                        std::to_string(want.second));
  } else if (was_scaled) {
    log::info(kLog, "encoding the captured size");
  }
}

GstPadProbeReturn PictureScale::onCaps(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer self) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event == nullptr || GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  const core::TsanCallbackScope scope(self);
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  int width = 0;
  int height = 0;
  const GstStructure* st = caps == nullptr ? nullptr : gst_caps_get_structure(caps, 0);
  if (st == nullptr || !gst_structure_get_int(st, "width", &width) ||
      !gst_structure_get_int(st, "height", &height)) {
    return GST_PAD_PROBE_OK;
  }
  auto* scale = static_cast<PictureScale*>(self);
  const std::lock_guard<std::mutex> hold(scale->lock_);
  scale->width_ = width;
  scale->height_ = height;
  scale->applyLocked();  // before the caps reach videoscale, which then negotiates the new size
  return GST_PAD_PROBE_OK;
}

}  // namespace ds::media
