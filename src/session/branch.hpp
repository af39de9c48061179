// The part of a peer's WebRTC branch that a Connection and the Manager drive: the answer, remote
// candidates, the `input` channel and what the branch reports. webrtc::PeerBranch implements it
// in the server (session/manager.cpp wraps it); unit tests drive a Connection with a fake.
#pragma once

#include <gst/gst.h>

#include <string>

#include "core/result.hpp"
#include "webrtc/transport_monitor.hpp"

namespace ds::session {

class Branch {
 public:
  virtual ~Branch() = default;
  // Applies the browser's answer; the error says why it was refused.
  virtual Status setAnswer(const std::string& sdp) = 0;
  virtual void addCandidate(int mline, const std::string& candidate) = 0;
  // Queues a text message on the peer's `input` data channel.
  virtual void sendChannelText(const std::string& text) = 0;
  // The codec this viewer receives ("" until the answer chose one).
  virtual const std::string& codec() const = 0;
  // True when the pipeline element named `element` belongs to this branch.
  virtual bool owns(const std::string& element) const = 0;
  // The peer's transport as last seen, or nullptr when the branch does not watch it.
  virtual const webrtc::TransportStats* transportStats() const = 0;
  // Moves the viewer to another encode's tee of its codec (webrtc::PeerBranch::switchTee); a
  // branch that cannot be moved says so.
  virtual Status switchTee(GstElement* /*tee*/) { return fail("this viewer cannot be moved"); }
};

}  // namespace ds::session
