// Per-client frame dropping for the WebSocket media transport (docs/protocol-websocket.md). TCP
// would otherwise buffer seconds of video for a client whose path is slower than the encode. The
// browser acknowledges what it has received (`ACK <seq>`, cumulative), so the server knows what is
// still in flight anywhere between it and the page: in its own send queue, in the kernel, in any
// proxy on the way. libsoup 3.2 has no buffered-amount getter, and a buffering gateway would hide
// the socket's queue anyway. A video frame is sent only while fewer than `max_video_in_flight`
// frames (plus those the round trip holds) are unacknowledged; otherwise it is dropped, and the
// client waits for a keyframe, which is requested once it has caught up. Audio flows while its own
// small byte budget allows. Pure: no sockets, no clocks of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/result.hpp"

namespace ds::wsmedia {

struct SendLimits {
  // Video frames sent and not yet acknowledged: one arriving and one queued behind it, plus the
  // frames the round trip itself holds (setRoundTripFrames).
  unsigned max_video_in_flight = 2;
  // Audio bytes sent and not yet acknowledged (about 0.5 s of 128 kbit/s Opus).
  size_t max_audio_bytes_in_flight = 8 * 1024;
  // A client waiting for a keyframe asks again when none came for this long.
  std::chrono::milliseconds keyframe_retry{1000};
  // At most this many frames on top of max_video_in_flight for the round trip.
  unsigned max_round_trip_frames = 6;
};

class SendPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  // `first_seq`: the first sequence number (0; tests start near the wrap).
  explicit SendPolicy(SendLimits limits = {}, uint32_t first_seq = 0)
      : limits_(limits), next_seq_(first_seq) {}

  // A video frame is ready: true = send it now with sequence number nextSeq() (call sent()).
  bool admitVideo(bool keyframe);
  // An audio packet of `bytes` is ready: true = send it now (call sent()).
  bool admitAudio(size_t bytes);
  // The admitted message went out with nextSeq(); the sequence number advances.
  void sent(bool video, size_t bytes);
  uint32_t nextSeq() const { return next_seq_; }

  // `ACK <seq>`: every message up to and including `seq` arrived. An ack for a message not sent
  // yet is refused (the state is unchanged); a repeated or older ack is harmless.
  Status onAck(uint32_t seq);

  // True (once per request) when a keyframe should be asked for now: the client waits for one
  // and has room to receive it, and none was asked for in the last `keyframe_retry`.
  bool takeKeyframeRequest(Clock::time_point now);

  // The path's base round trip holds `frames` frame intervals (round trip / frame interval,
  // rounded): that many frames are in flight on an idle path, and do not count as queued. On
  // loopback 0; at 100 ms and 30 fps 3. Bounded by max_round_trip_frames.
  void setRoundTripFrames(unsigned frames);
  unsigned videoLimit() const { return limits_.max_video_in_flight + round_trip_frames_; }

  bool waitingForKeyframe() const { return need_keyframe_; }
  unsigned videoInFlight() const { return video_in_flight_; }
  size_t audioBytesInFlight() const { return audio_bytes_in_flight_; }
  uint64_t videoSent() const { return video_sent_; }
  uint64_t videoDropped() const { return video_dropped_; }
  uint64_t audioDropped() const { return audio_dropped_; }

 private:
  struct InFlight {
    uint32_t seq;
    bool video;
    size_t bytes;
  };
  SendLimits limits_;
  std::deque<InFlight> in_flight_;  // oldest first; bounded by the limits above
  uint32_t next_seq_ = 0;
  unsigned video_in_flight_ = 0;
  unsigned round_trip_frames_ = 0;
  size_t audio_bytes_in_flight_ = 0;
  bool need_keyframe_ = true;  // a new client starts on a keyframe
  bool asked_ = false;         // a keyframe was asked for since need_keyframe_ became true
  Clock::time_point asked_at_{};
  uint64_t video_sent_ = 0;
  uint64_t video_dropped_ = 0;
  uint64_t audio_dropped_ = 0;
};

}  // namespace ds::wsmedia
