#include "wsmedia/client.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace ds::wsmedia {
namespace {
constexpr const char* kLog = "wsmedia";
}

Client::Client(std::shared_ptr<http::WebSocket> ws, ClientOptions options)
    : ws_(std::move(ws)), options_(std::move(options)), policy_(options_.limits) {}

Client::~Client() {
  const bool had_video = video_ != nullptr;
  video_.reset();
  audio_.reset();
  if (had_video && options_.on_video_detached) options_.on_video_detached();
  log::info(kLog, "client " + options_.name + ": " + std::to_string(policy_.videoSent()) +
                      " video frames sent, " + std::to_string(policy_.videoDropped()) + " skipped");
}

Status Client::attachVideo(GstElement* pipeline, GstElement* tee, Codec codec) {
  video_codec_ = codec;
  auto tap = Tap::create(pipeline, tee, options_.name, codec,
                         [this](TapFrame frame) { onVideo(std::move(frame)); });
  if (!tap) return Unexpected<Error>{tap.error()};
  video_ = std::move(*tap);
  maybeRequestKeyframe();
  return {};
}

Status Client::attachAudio(GstElement* pipeline, GstElement* tee) {
  audio_.reset();
  auto tap = Tap::create(pipeline, tee, options_.name + "-audio", Codec::kOpus,
                         [this](TapFrame frame) { onAudio(std::move(frame)); });
  if (!tap) return Unexpected<Error>{tap.error()};
  audio_ = std::move(*tap);
  return {};
}

void Client::detachAudio() { audio_.reset(); }

Status Client::switchVideoTee(GstElement* tee) {
  if (!video_) return fail("this client has no video");
  return video_->switchTee(tee);
}

bool Client::owns(const std::string& element) const {
  return (video_ && video_->owns(element)) || (audio_ && audio_->owns(element));
}

std::string Client::describe() const {
  return std::string("{\"video\":\"") + std::string(codecName(video_codec_)) +
         "\",\"audio\":" + (audio_ ? "\"opus\"" : "null") +
         ",\"max_video_in_flight\":" + std::to_string(options_.limits.max_video_in_flight) + "}";
}

bool Client::onText(std::string_view text) {
  if (!isAck(text)) return false;
  auto seq = parseAck(text);
  if (!seq) {
    ws_->send("ERROR " + seq.error().message);
    return true;
  }
  if (auto st = policy_.onAck(*seq); !st) {
    ws_->send("ERROR invalid ACK: " + st.error().message);
    return true;
  }
  auto sample = feedback_.onAck(*seq, AckFeedback::Clock::now());
  // Frames the round trip itself holds are not queued: without this a path of 50 ms round
  // trip could never carry 30 fps with two frames in flight.
  policy_.setRoundTripFrames(feedback_.roundTripFrames());
  if (sample && options_.on_feedback) options_.on_feedback(*sample);
  maybeRequestKeyframe();
  return true;
}

void Client::maybeRequestKeyframe() {
  if (policy_.takeKeyframeRequest(SendPolicy::Clock::now()) && options_.request_keyframe) {
    options_.request_keyframe();
  }
}

void Client::onVideo(TapFrame frame) {
  const size_t bytes = frame.data.size() + kHeaderBytes;
  if (!policy_.admitVideo(frame.keyframe)) {
    // Skipped frames count as offered: the path could not take them (congestion feedback).
    const auto now = AckFeedback::Clock::now();
    feedback_.onOffered(now, bytes, /*skipped=*/true);
    if (auto stall = feedback_.checkStall(now); stall && options_.on_stall) {
      options_.on_stall(*stall);
    }
    maybeRequestKeyframe();
    return;
  }
  send(Kind::kVideo, video_codec_, frame);
  feedback_.onOffered(AckFeedback::Clock::now(), bytes);
}

void Client::onAudio(TapFrame frame) {
  if (!policy_.admitAudio(frame.data.size())) return;
  send(Kind::kAudio, Codec::kOpus, frame);
}

void Client::send(Kind kind, Codec codec, const TapFrame& frame) {
  FrameHeader h;
  h.kind = kind;
  h.codec = codec;
  h.keyframe = frame.keyframe;
  h.seq = policy_.nextSeq();
  h.timestamp_us = frame.timestamp_us;
  h.width = static_cast<uint16_t>(std::clamp(frame.width, 0, 65535));
  h.height = static_cast<uint16_t>(std::clamp(frame.height, 0, 65535));
  auto message = encodeFrame(h, frame.data);
  if (!message) {
    if (!send_failed_) log::warn(kLog, "client " + options_.name + ": " + message.error().message);
    send_failed_ = true;
    return;
  }
  const uint32_t seq = policy_.nextSeq();
  ws_->sendBinary(*message);
  policy_.sent(kind == Kind::kVideo, message->size());
  feedback_.onSent(seq, AckFeedback::Clock::now(), message->size(), kind == Kind::kVideo);
}

}  // namespace ds::wsmedia
