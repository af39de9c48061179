#include "wsmedia/send_policy.hpp"

#include <algorithm>

namespace ds::wsmedia {

bool SendPolicy::admitVideo(bool keyframe) {
  if (video_in_flight_ >= videoLimit()) {
    // Behind: this frame and every delta after it until a keyframe are skipped, so the page
    // never decodes a frame whose reference it did not get.
    if (!need_keyframe_) {
      need_keyframe_ = true;
      asked_ = false;
    } else if (keyframe) {
      asked_ = false;  // the keyframe we asked for is lost: ask again once there is room
    }
    ++video_dropped_;
    return false;
  }
  if (need_keyframe_ && !keyframe) {
    ++video_dropped_;
    return false;
  }
  need_keyframe_ = false;
  return true;
}

void SendPolicy::setRoundTripFrames(unsigned frames) {
  round_trip_frames_ = std::min(frames, limits_.max_round_trip_frames);
}

bool SendPolicy::admitAudio(size_t bytes) {
  if (audio_bytes_in_flight_ + bytes > limits_.max_audio_bytes_in_flight) {
    ++audio_dropped_;
    return false;
  }
  return true;
}

void SendPolicy::sent(bool video, size_t bytes) {
  in_flight_.push_back(InFlight{next_seq_++, video, bytes});
  if (video) {
    ++video_in_flight_;
    ++video_sent_;
  } else {
    audio_bytes_in_flight_ += bytes;
  }
}

Status SendPolicy::onAck(uint32_t seq) {
  // Serial-number arithmetic: sequence numbers wrap at 2^32.
  const auto ahead = static_cast<int32_t>(seq - next_seq_);
  if (ahead >= 0) {
    return fail("ACK " + std::to_string(seq) + " for a frame not sent yet (next is " +
                std::to_string(next_seq_) + ")");
  }
  while (!in_flight_.empty() && static_cast<int32_t>(seq - in_flight_.front().seq) >= 0) {
    const auto& f = in_flight_.front();
    if (f.video) {
      --video_in_flight_;
    } else {
      audio_bytes_in_flight_ -= f.bytes;
    }
    in_flight_.pop_front();
  }
  return {};
}

bool SendPolicy::takeKeyframeRequest(Clock::time_point now) {
  if (!need_keyframe_ || video_in_flight_ >= videoLimit()) return false;
  if (asked_ && now - asked_at_ < limits_.keyframe_retry) return false;
  asked_ = true;
  asked_at_ = now;
  return true;
}

}  // namespace ds::wsmedia
