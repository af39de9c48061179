// One browser on the WebSocket media transport: its video tap (and audio tap when audio
// streams) on the shared tees, the frame-dropping policy, and the binary frames sent on its
// socket. The socket's text messages other than ACK belong to the session (input grammar, AUTH).
// Main-loop thread only.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/websocket.hpp"
#include "wsmedia/ack_feedback.hpp"
#include "wsmedia/framing.hpp"
#include "wsmedia/send_policy.hpp"
#include "wsmedia/tap.hpp"

namespace ds::wsmedia {

struct ClientOptions {
  std::string name;  // branch names: "<name>" (video), "<name>-audio"
  SendLimits limits;
  // Asks the shared encoder for a keyframe (VideoPipeline::requestKeyframe, rate-limited there).
  std::function<void()> request_keyframe;
  // Congestion feedback from this client's ACKs (wsmedia/ack_feedback.hpp), for the shared
  // encode's congestion control, as a WebRTC viewer's TWCC summaries are.
  std::function<void(const AckSample&)> on_feedback;
  // Nothing acknowledged for a while as frames are skipped (AckFeedback::checkStall).
  std::function<void(const StallSample&)> on_stall;
  // Called once, from the destructor, after the video tap has left its tee (a tap on the lower
  // encode holds a user of it until then).
  std::function<void()> on_video_detached;
};

class Client {
 public:
  Client(std::shared_ptr<http::WebSocket> ws, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Status attachVideo(GstElement* pipeline, GstElement* tee, Codec codec);
  Status attachAudio(GstElement* pipeline, GstElement* tee);
  void detachAudio();
  bool hasAudio() const { return audio_ != nullptr; }
  // Moves the video tap to another encode's tee of its codec (Tap::switchTee).
  Status switchVideoTee(GstElement* tee);

  // Handles "ACK <seq>"; false when `text` is not an ACK (the caller handles it). A bad ACK gets
  // an "ERROR ..." reply.
  bool onText(std::string_view text);
  // `element` (from a branch error) is one of this client's taps.
  bool owns(const std::string& element) const;
  const SendPolicy& policy() const { return policy_; }
  const AckFeedback& feedback() const { return feedback_; }
  // The MEDIA_OK JSON: {"video":"h264","audio":"opus"|null,...}.
  std::string describe() const;

 private:
  void onVideo(TapFrame frame);
  void onAudio(TapFrame frame);
  void send(Kind kind, Codec codec, const TapFrame& frame);
  void maybeRequestKeyframe();

  std::shared_ptr<http::WebSocket> ws_;
  ClientOptions options_;
  SendPolicy policy_;
  AckFeedback feedback_;
  Codec video_codec_ = Codec::kH264;
  std::shared_ptr<Tap> video_;
  std::shared_ptr<Tap> audio_;
  bool send_failed_ = false;  // logged once
};

}  // namespace ds::wsmedia
