// session::Manager, continued: the shared video encode. Its lifecycle (started with the first
// viewer, encoder failover, restart, stopped with the last viewer) and what the page's settings
// and congestion control set on it. Main-loop thread only, like the rest of the class.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "congestion/audio_share.hpp"
#include "core/log.hpp"
#include "core/memory.hpp"
#include "session/connection.hpp"
#include "session/manager.hpp"

namespace ds::session {
namespace {
constexpr const char* kLog = "session";
}  // namespace

Status Manager::ensureVideo() {
  if (video_) return {};
  if (auto wait = failover_.blockedFor(media::EncoderFailover::Clock::now())) {
    const auto s = std::chrono::ceil<std::chrono::seconds>(*wait).count();
    return fail("video unavailable: " + options_.video.encoder +
                " failed and no other encoder works here; try again in " + std::to_string(s) +
                " s");
  }
  // A report from a pipeline that is already gone must not stop its successor.
  const uint64_t generation = ++video_generation_;
  auto started = media::VideoPipeline::start(
      options_.video, [this, generation](std::string message, bool from_encoder) {
        if (generation == video_generation_ && video_) onVideoError(message, from_encoder);
      });
  if (!started) return Unexpected<Error>{started.error()};
  video_ = std::move(*started);
  video_->onBranchError([this, generation](std::string element, std::string message) {
    if (generation == video_generation_ && video_) onBranchError(element, message);
  });
  low_failed_ = false;
  video_->onLowError([this, generation](std::string message) {
    if (generation == video_generation_ && video_) onLowEncodeError(message);
  });
  // A pipeline restarted under viewers (encoder failover, a capture error) starts where the
  // network had taken the last one, not at the configured quality.
  applyEncoderSetting(adaptation_.setting());
  failover_.started(media::EncoderFailover::Clock::now());
  ++pipelines_started_;
  log::info(kLog, "video pipeline started (" + options_.video.encoder +
                      "; unchanged frames found by " + video_->changeDetection() + ")");
  return {};
}

void Manager::onViewerFeedback(int id, const congestion::Feedback& fb) {
  // The ladder's bits per pixel follow the captured size (checked once a second).
  if (video_ && fb.at - size_checked_at_ > std::chrono::seconds(1)) {
    size_checked_at_ = fb.at;
    const auto [w, h] = video_->pictureSize();
    adaptation_.setPictureSize(w, h);
  }
  adaptation_.onFeedback(id, fb);
}

void Manager::stopVideo() {
  if (!video_) return;
  frames_encoded_done_ += video_->encodedFrames();
  frames_skipped_done_ += video_->skippedFrames();
  low_viewers_.clear();  // the lower encode goes with the pipeline
  video_.reset();
  // The encoder's and the streaming threads' buffers are free now, but glibc keeps them in
  // their arenas: without this the RSS stays at its peak after every viewer has gone and
  // creeps up with each pipeline (docs/reliability.md, the soak).
  core::releaseFreeMemory();
}

void Manager::onVideoError(const std::string& message, bool from_encoder) {
  const std::string failed = options_.video.encoder;
  auto decision = failover_.failed(from_encoder, media::EncoderFailover::Clock::now());
  if (decision.switched) {
    log::warn(kLog, "encoder " + decision.why);
    options_.video.encoder = decision.encoder;
    if (options_.on_encoder_changed) {
      options_.on_encoder_changed(failed, decision.encoder, message);
    }
  } else if (decision.gave_up) {
    // No restart loop: viewers get the error, new ones are refused until the cool-down ends.
    log::error(kLog, "encoder " + decision.why + " (last error: " + message + ")");
    dropAllVideo("video encoder failed: " + message + "; no other encoder works here");
    return;
  } else {
    log::info(kLog, decision.why);
  }
  restartVideo("video pipeline error: " + message);
}

void Manager::restartVideo(const std::string& reason) {
  log::warn(kLog, reason + "; restarting the stream for every viewer");
  dropAllVideo(reason);
}

void Manager::dropAllVideo(const std::string& reason) {
  std::vector<int> ids;
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (int id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->dropVideo(reason);
  }
  stopVideo();
  video_peers_ = 0;
}

void Manager::setBitrate(int kbps) {
  options_.video.params.bitrate_kbps = kbps;
  if (video_) video_->setBitrate(kbps);
  adaptation_.setConfigured(kbps, options_.video.params.framerate);
}

void Manager::setFramerate(int fps) {
  options_.video.params.framerate = fps;
  if (video_) video_->setFramerate(fps);
  adaptation_.setConfigured(options_.video.params.bitrate_kbps, fps);
}

double Manager::pictureScale() const { return video_ ? video_->scalePercent() / 100.0 : 1.0; }

double Manager::pictureScale(int id) const {
  if (low_viewers_.count(id) != 0) {
    if (auto low = adaptation_.lowSetting()) return low->scale_percent / 100.0;
  }
  return pictureScale();
}

void Manager::applyEncoderSetting(const EncoderSetting& s) {
  applyAudioShare();
  if (!video_) return;
  video_->setEncoderBitrate(s.kbps);
  if (s.fps != video_->options().params.framerate) video_->setFramerate(s.fps);
  if (s.scale_percent != video_->scalePercent()) video_->setScale(s.scale_percent);
}

void Manager::setAudioBitrate(int bps) {
  if (!audio_) return;
  audio_configured_bps_ = bps;
  audio_applied_bps_ = 0;  // applied even when the share did not change: the user asked
  applyAudioShare();
}

void Manager::applyAudioShare() {
  if (!audio_ || audio_configured_bps_ == 0) return;
  const std::optional<int> lowest = adaptation_.lowestTargetKbps();
  const int bps = congestion::audioBitrateFor(audio_configured_bps_, lowest, audio_applied_bps_);
  if (bps == audio_applied_bps_) return;
  if (audio_applied_bps_ != 0 && bps != audio_configured_bps_) {
    log::info(kLog, "audio at " + std::to_string(bps / 1000) +
                        " kbit/s while the slowest viewer's video target is " +
                        std::to_string(lowest.value_or(0)) + " kbit/s");
  }
  audio_applied_bps_ = bps;
  audio_->setBitrate(bps);
}

std::vector<ViewerNetwork> Manager::viewerNetworks() const {
  std::vector<ViewerNetwork> out;
  for (const auto& [id, conn] : connections_) {
    if (!conn->videoPeer()) continue;
    ViewerNetwork v;
    v.connection = id;
    v.control = adaptation_.figures(id);
    if (conn->branch() != nullptr) {
      if (const auto* t = conn->branch()->transportStats()) v.transport = *t;
    } else if (const auto* ws = conn->wsMedia()) {
      // The WebSocket client's ACK timings: round trip and path rate (wsmedia/ack_feedback).
      v.transport.rtt_ms = ws->feedback().lastRttMs();
      v.transport.feedback = ws->feedback().lastFeedback();
    } else {
      continue;
    }
    out.push_back(std::move(v));
  }
  return out;
}

void Manager::setPointerVisible(bool visible) {
  options_.video.show_pointer = visible;
  if (video_) video_->setPointerVisible(visible);
}

void Manager::onScreenResized() {
  if (video_) video_->restartCapture();
}

}  // namespace ds::session
