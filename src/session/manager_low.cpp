// session::Manager, continued: the lower encode. congestion control (NetworkAdaptation) decides
// which viewers are far slower than the others and what they get; here the lower encode is run
// at that setting and each such viewer's branch is moved onto it, or back to the shared encode,
// with a keyframe from the encode it moves to. Main-loop thread only.
#include <string>
#include <vector>

#include "core/log.hpp"
#include "media/rtp_switch.hpp"
#include "session/connection.hpp"
#include "session/manager.hpp"

namespace ds::session {
namespace {
constexpr const char* kLog = "session";

std::string describe(const EncoderSetting& s) {
  return std::to_string(s.kbps) + " kbit/s, " + std::to_string(s.fps) + " fps, " +
         std::to_string(s.scale_percent) + " % size";
}
}  // namespace

bool Manager::movable(const Connection& conn) const {
  if (!video_ || low_failed_ || conn.audioPeer()) return false;
  // A WebSocket client's tap is on the shared encode, of the configured codec.
  if (conn.wsMedia() != nullptr) return media::switchableCodec(video_->profile().codec);
  if (conn.branch() == nullptr) return false;
  const std::string& codec = conn.branch()->codec();
  return codec == video_->profile().codec && media::switchableCodec(codec);
}

void Manager::onWsMediaStarted(Connection& conn) {
  adaptation_.setMovable(conn.info().id, movable(conn));
}

Status Manager::switchTee(Connection& conn, GstElement* tee) {
  if (auto* ws = conn.wsMedia()) return ws->switchVideoTee(tee);
  if (auto* branch = conn.branch()) return branch->switchTee(tee);
  return fail("no video to move");
}

void Manager::applyLowEncode(const std::optional<EncoderSetting>& low) {
  applyAudioShare();
  if (!video_) return;
  if (low) video_->setLowSetting(low->kbps, low->fps, low->scale_percent);
  const std::set<int>& wanted = adaptation_.lowViewers();
  std::vector<int> stuck;
  for (auto& [id, conn] : connections_) {
    const bool has_video = conn->branch() != nullptr || conn->wsMedia() != nullptr;
    if (!has_video || conn->audioPeer() || !adaptation_.figures(id)) continue;
    const bool want = wanted.count(id) != 0;
    const bool on = low_viewers_.count(id) != 0;
    if (want && !on && !moveToLow(id, *conn)) stuck.push_back(id);
    if (!want && on) moveToShared(id, *conn);
  }
  // After the loop: this recomputes, which can call back here.
  for (int id : stuck) adaptation_.setMovable(id, false);
}

bool Manager::moveToLow(int id, Connection& conn) {
  auto tee = video_->acquireLow();
  if (!tee) {
    log::warn(kLog, "peer " + std::to_string(id) +
                        " is not moved: no lower encode: " + tee.error().message);
    return false;
  }
  if (auto st = switchTee(conn, *tee); !st) {
    video_->releaseLow();
    log::warn(kLog, "peer " + std::to_string(id) + " is not moved: " + st.error().message);
    return false;
  }
  low_viewers_.insert(id);
  video_->requestLowKeyframe();
  const auto s = adaptation_.settingFor(id);
  log::info(kLog, "peer " + std::to_string(id) + ": its path is far slower than the others'; " +
                      "moved to the lower encode (" + describe(s) + ")");
  return true;
}

void Manager::moveToShared(int id, Connection& conn) {
  if (auto st = switchTee(conn, video_->tee()); !st) {
    // Its branch is unusable for a move now; it stays where it is (and is counted there).
    log::warn(kLog,
              "peer " + std::to_string(id) + " stays on the lower encode: " + st.error().message);
    return;
  }
  low_viewers_.erase(id);
  video_->releaseLow();
  video_->requestKeyframe(video_->profile().codec);
  log::info(kLog, "peer " + std::to_string(id) + ": back on the shared encode (" +
                      describe(adaptation_.setting()) + ")");
}

void Manager::onLowEncodeError(const std::string& message) {
  if (low_failed_) return;  // one failure posts an error per element it stops
  low_failed_ = true;
  log::warn(kLog, "the lower encode failed (" + message +
                      "); its viewers go back to the shared encode, and nobody is moved to a "
                      "lower encode again until the stream restarts");
  std::vector<int> ids;
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (int id : ids) adaptation_.setMovable(id, false);  // each one back, through applyLowEncode
}

}  // namespace ds::session
