// Fakes for unit tests of session::Connection: a host standing in for session::Manager that hands
// out fake branches and records what the connection asked of it. No GStreamer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session/branch.hpp"
#include "session/connection.hpp"
#include "session/connection_host.hpp"
#include "session/peer_limits.hpp"
#include "session/types.hpp"
#include "signalling/handler.hpp"

namespace ds::session::fakes {

class FakeBranch : public Branch {
 public:
  Status setAnswer(const std::string& sdp) override {
    answers.push_back(sdp);
    if (!refuse_answer.empty()) return fail(refuse_answer);
    return {};
  }
  void addCandidate(int mline, const std::string& candidate) override {
    candidates.emplace_back(mline, candidate);
  }
  void sendChannelText(const std::string& text) override { channel_out.push_back(text); }
  const std::string& codec() const override { return codec_; }
  bool owns(const std::string& element) const override { return element == "branch-element"; }
  const webrtc::TransportStats* transportStats() const override { return nullptr; }

  std::string refuse_answer;  // non-empty: setAnswer() fails with it
  std::vector<std::string> answers;
  std::vector<std::pair<int, std::string>> candidates;
  std::vector<std::string> channel_out;

 private:
  std::string codec_ = "H264";
};

// What the input module's handler saw, kept by the host (the handler dies with its connection).
struct ChannelLog {
  int opened = 0;
  bool alive = false;
  std::vector<std::string> messages;
  std::function<void(std::string)> send;  // the connection's way to the peer's channel
};

class FakeChannel : public ChannelHandler {
 public:
  explicit FakeChannel(ChannelLog& log) : log_(log) { log_.alive = true; }
  ~FakeChannel() override { log_.alive = false; }
  void onOpen() override { ++log_.opened; }
  void onMessage(std::string_view text) override { log_.messages.emplace_back(text); }

 private:
  ChannelLog& log_;
};

class FakeHost : public ConnectionHost {
 public:
  explicit FakeHost(PeerCaps caps = {}) : limits_(caps) {}

  signalling::UidRegistry& uids() override { return uids_; }
  PeerLimits& peerLimits() override { return limits_; }
  bool canRefresh() const override { return false; }
  Result<Refreshed> refresh(const PeerInfo&, std::string) override {
    return fail("no verifier in this test");
  }
  void onVideoHello(const PeerInfo& info) override { hellos.push_back(info.id); }
  std::unique_ptr<ChannelHandler> makeChannel(const PeerInfo&,
                                              std::function<void(std::string)> send) override {
    channel.send = std::move(send);
    return std::make_unique<FakeChannel>(channel);
  }
  Result<std::shared_ptr<Branch>> addVideoPeer(Connection& conn) override {
    ++video_peers;
    video_added.push_back(conn.info().id);
    if (!branch_error.empty()) return fail(branch_error);
    auto branch = std::make_shared<FakeBranch>();
    branches.push_back(branch);
    return std::shared_ptr<Branch>(branch);
  }
  Result<std::unique_ptr<wsmedia::Client>> addWsMediaPeer(Connection& conn) override {
    ++video_peers;
    video_added.push_back(conn.info().id);
    return fail("no media pipeline in this test");
  }
  Result<std::shared_ptr<Branch>> addAudioPeer(Connection&) override {
    if (!audio) return fail(audioStatus());
    auto branch = std::make_shared<FakeBranch>();
    branches.push_back(branch);
    return std::shared_ptr<Branch>(branch);
  }
  bool audioAvailable() const override { return audio; }
  std::string audioStatus() const override { return audio ? "streaming" : "no PulseAudio"; }
  void removeVideoPeer(int id) override {
    --video_peers;
    video_removed.push_back(id);
  }
  void remove(int id) override { removed.push_back(id); }

  // The branches handed out, weakly: a branch must die with its connection or when dropped.
  std::vector<std::weak_ptr<FakeBranch>> branches;
  std::shared_ptr<FakeBranch> branch(size_t i) const { return branches.at(i).lock(); }

  std::string branch_error;  // non-empty: addVideoPeer() fails with it
  bool audio = false;
  int video_peers = 0;
  std::vector<int> hellos, video_added, video_removed, removed;
  ChannelLog channel;

 private:
  signalling::UidRegistry uids_;
  PeerLimits limits_;
};

}  // namespace ds::session::fakes
