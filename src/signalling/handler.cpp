#include "signalling/handler.hpp"

#include <utility>

namespace ds::signalling {

Actions Handler::error(std::string message) {
  ++errors_;
  Actions out{SendText{"ERROR " + std::move(message)}};
  if (errors_ >= kMaxErrors) {
    out.emplace_back(CloseConnection{1008, "too many protocol errors"});
    onClosed();
  }
  return out;
}

Actions Handler::onText(std::string_view text) {
  if (state_ == State::kClosed) return {};
  auto parsed = parseClientMessage(text);
  if (!parsed) return error(parsed.error().message);
  return std::visit(
      [this](const auto& msg) -> Actions {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Hello>) {
          return onHello(msg);
        } else if constexpr (std::is_same_v<T, SessionDescription>) {
          return onSdp(msg);
        } else {
          return onIce(msg);
        }
      },
      *parsed);
}

Actions Handler::onHello(const Hello& hello) {
  if (state_ != State::kAwaitHello)
    return error("invalid HELLO: already registered as '" + uid_ + "'");
  PeerKind kind;
  if (hello.uid == kVideoUid) {
    kind = PeerKind::kVideo;
  } else if (hello.uid == kAudioUid) {
    kind = PeerKind::kAudio;
  } else {
    return error("peer '" + hello.uid + "' not found: use 1 (video) or 3 (audio)");
  }
  if (exclusive_ && !registry_.acquire(hello.uid)) {
    ++errors_;
    state_ = State::kClosed;
    return {SendText{"ERROR peer '" + hello.uid + "' busy"},
            CloseConnection{1008, "peer id already connected"}};
  }
  if (admit_) {
    if (auto admitted = admit_(kind); !admitted) {
      if (exclusive_) registry_.release(hello.uid);
      ++errors_;
      state_ = State::kClosed;
      return {SendText{"ERROR " + admitted.error().message},
              CloseConnection{kRefusedCloseCode, "too many peers"}};
    }
  }
  uid_ = hello.uid;
  holds_uid_ = exclusive_;
  state_ = State::kRegistered;
  return {SendText{"HELLO"}, StartPeer{kind, hello.meta}};
}

Actions Handler::onSdp(const SessionDescription& sdp) {
  if (state_ == State::kAwaitHello) return error("invalid sdp: send HELLO first");
  if (sdp.type != "answer") {
    return error("invalid sdp: type '" + sdp.type +
                 "' not accepted; the server offers, send an answer");
  }
  if (state_ == State::kRegistered) return error("invalid sdp: answer before offer");
  if (state_ == State::kAnswered) return error("invalid sdp: already answered");
  if (sdp.sdp.rfind("v=0", 0) != 0) return error("invalid sdp: does not start with v=0");
  state_ = State::kAnswered;
  return {ApplyAnswer{sdp.sdp}};
}

Actions Handler::onIce(const IceCandidate& ice) {
  if (state_ == State::kAwaitHello) return error("invalid ice: send HELLO first");
  if (state_ == State::kRegistered) return error("invalid ice: candidate before offer");
  return {AddRemoteIce{ice}};
}

Actions Handler::onOfferCreated(std::string_view sdp) {
  if (state_ != State::kRegistered) return {};
  state_ = State::kOfferSent;
  return {SendText{encodeOffer(sdp)}};
}

Actions Handler::onLocalCandidate(std::string_view candidate, int mline_index) {
  if (state_ != State::kOfferSent && state_ != State::kAnswered) return {};
  return {SendText{encodeIce(candidate, mline_index)}};
}

void Handler::dropControl() {
  if (holds_uid_) registry_.release(uid_);
  holds_uid_ = false;
  exclusive_ = false;
}

void Handler::onClosed() {
  if (holds_uid_) registry_.release(uid_);
  holds_uid_ = false;
  uid_.clear();
  state_ = State::kClosed;
}

}  // namespace ds::signalling
