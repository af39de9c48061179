#include "session/manager.hpp"

#include <cmath>
#include <vector>

#include "core/log.hpp"
#include "core/memory.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"
#include "session/connection.hpp"

namespace ds::session {
namespace {
constexpr const char* kLog = "session";

// A webrtc::PeerBranch as the Branch a Connection drives.
class PeerBranchAdapter final : public Branch {
 public:
  explicit PeerBranchAdapter(std::shared_ptr<webrtc::PeerBranch> branch)
      : branch_(std::move(branch)) {}
  Status setAnswer(const std::string& sdp) override { return branch_->setAnswer(sdp); }
  void addCandidate(int mline, const std::string& candidate) override {
    branch_->addCandidate(mline, candidate);
  }
  void sendChannelText(const std::string& text) override { branch_->sendChannelText(text); }
  const std::string& codec() const override { return branch_->codec(); }
  bool owns(const std::string& element) const override { return branch_->owns(element); }
  const webrtc::TransportStats* transportStats() const override {
    return branch_->transportStats();
  }
  Status switchTee(GstElement* tee) override { return branch_->switchTee(tee); }

 private:
  std::shared_ptr<webrtc::PeerBranch> branch_;
};

Result<std::shared_ptr<Branch>> adapt(Result<std::shared_ptr<webrtc::PeerBranch>> branch) {
  if (!branch) return Unexpected<Error>{branch.error()};
  return std::shared_ptr<Branch>(std::make_shared<PeerBranchAdapter>(std::move(*branch)));
}
}  // namespace

Manager::Manager(ManagerOptions options)
    : options_(std::move(options)),
      peer_limits_(options_.peer_caps),
      failover_(options_.video.encoder,
                [probe = options_.probe_encoder](const std::string& e) {
                  return probe ? probe(e) : Status{fail("no encoder probe configured")};
                }),
      adaptation_(options_.congestion_control && options_.video.transport_cc,
                  options_.video.params.bitrate_kbps, options_.video.params.framerate,
                  [this](const EncoderSetting& s) { applyEncoderSetting(s); }) {
  adaptation_.onLowEncode(
      [this](const std::optional<EncoderSetting>& low) { applyLowEncode(low); });
  if (options_.audio) {
    auto started =
        audio::AudioPipeline::start(*options_.audio, [this](bool up) { onAudioState(up); });
    if (started) {
      audio_ = std::move(*started);
      audio_configured_bps_ = audio_applied_bps_ = options_.audio->bitrate_bps;
      audio_->onBranchError([this](const std::string& element, const std::string& message) {
        onAudioBranchError(element, message);
      });
    } else {
      log::warn(kLog, "audio disabled: " + started.error().message);
    }
  }
}

PipelineCount Manager::runningPipelines() const {
  PipelineCount count;
  for (GstElement* pipeline :
       {video_ ? video_->pipeline() : nullptr, audio_ ? audio_->pipeline() : nullptr}) {
    if (pipeline == nullptr) continue;
    ++count.pipelines;
    count.elements += media::elementCount(pipeline);
  }
  return count;
}

Manager::~Manager() {
  connections_.clear();
  video_.reset();
  audio_.reset();
}

void Manager::accept(std::shared_ptr<http::WebSocket> ws, PeerInfo info) {
  const int id = next_id_++;
  info.id = id;
  const std::string remote = info.remote;
  ConnectionHost& host = *this;
  auto conn = std::make_unique<Connection>(host, ws, info);
  Connection* raw = conn.get();
  connections_[id] = std::move(conn);
  ws->on_text = [this, id](std::string_view text) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->onText(text);
  };
  ws->on_closed = [this, id] { remove(id); };
  (void)raw;
  log::info(kLog, "connection " + std::to_string(id) + " from " + remote);
}

void Manager::remove(int id) {
  // Destroy later: we may be inside a callback of the connection's own WebSocket or branch.
  media::postToMain([this, id] {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    auto conn = std::move(it->second);
    connections_.erase(it);
    conn.reset();
    log::info(kLog, "connection " + std::to_string(id) + " closed; " +
                        std::to_string(connections_.size()) + " left");
    if (connections_.empty()) {
      // Return freed memory once the viewers' webrtcbin, DTLS and SCTP state is gone (2 s), and
      // again once GLib and GStreamer have retired their idle pool threads (15 s idle), whose
      // caches hold much of it: the trim in stopVideo() comes too early for either
      // (docs/performance.md, the soak). Captures nothing, so it may outlive us.
      for (const guint seconds : {2U, 20U}) {
        g_timeout_add_seconds(
            seconds,
            [](gpointer) -> gboolean {
              log::debug(kLog, "idle: free memory returned to the system");
              core::releaseFreeMemory();
              return G_SOURCE_REMOVE;
            },
            nullptr);
      }
    }
  });
}

Result<std::unique_ptr<wsmedia::Client>> Manager::addWsMediaPeer(Connection& conn) {
  ++video_peers_;
  if (auto st = ensureVideo(); !st) return Unexpected<Error>{st.error()};
  auto codec = wsmedia::codecFromEncodingName(video_->profile().codec);
  if (!codec) return Unexpected<Error>{codec.error()};
  const int id = conn.info().id;
  wsmedia::ClientOptions o;
  o.name = "ws-" + std::to_string(id);
  // From the encode the client is on: the shared one, or the lower one (manager_low.cpp).
  o.request_keyframe = [this, id] {
    if (!video_) return;
    if (low_viewers_.count(id) != 0) {
      video_->requestLowKeyframe();
    } else {
      video_->requestKeyframe();
    }
  };
  const uint64_t generation = video_generation_;
  o.on_video_detached = [this, id, generation] {
    if (generation == video_generation_ && video_ && low_viewers_.erase(id) != 0) {
      video_->releaseLow();
    }
  };
  // Congestion control as for a WebRTC viewer: the client's ACK timings stand in for TWCC.
  o.on_feedback = [this, id](const wsmedia::AckSample& s) {
    onViewerFeedback(id, s.feedback);
    if (s.rtt_ms) adaptation_.onRtt(id, s.feedback.at, *s.rtt_ms);
  };
  o.on_stall = [this, id](const wsmedia::StallSample& s) {
    log::info(kLog, "peer " + std::to_string(id) + ": nothing acknowledged for " +
                        std::to_string(std::lround(s.stalled_ms)) + " ms; the path carries under " +
                        std::to_string(std::lround(s.path_kbps)) + " kbit/s");
    adaptation_.onStall(id, s.at, s.path_kbps);
  };
  adaptation_.addViewer(id, congestion::Clock::now());
  auto client = std::make_unique<wsmedia::Client>(conn.socket(), std::move(o));
  if (auto st = client->attachVideo(video_->pipeline(), video_->tee(), *codec); !st) {
    return Unexpected<Error>{st.error()};
  }
  if (audio_ && audio_->available()) {
    if (auto st = client->attachAudio(audio_->pipeline(), audio_->tee()); !st) {
      log::warn(kLog, "peer " + std::to_string(conn.info().id) +
                          ": no audio over the WebSocket: " + st.error().message);
    }
  }
  return client;
}

Result<std::shared_ptr<Branch>> Manager::addVideoPeer(Connection& conn) {
  ++video_peers_;
  if (auto st = ensureVideo(); !st) return Unexpected<Error>{st.error()};
  const int id = conn.info().id;
  webrtc::PeerCallbacks cb = callbacksFor(id);
  auto* manager = this;
  auto with = [this, id](auto fn) { return forConnection(id, std::move(fn)); };
  // (The branch itself asks for a keyframe when DTLS is up: BranchOptions::keyframe_on_connect.)
  cb.on_connected = with([this](Connection& c) {
    log::info(kLog, "peer " + std::to_string(c.info().id) + ": media connected");
    adaptation_.setMovable(c.info().id, movable(c));
  });
  cb.on_channel_open = with([](Connection& c) { c.onChannelOpen(); });
  cb.on_channel_message = with([](Connection& c, std::string text) { c.onChannelMessage(text); });
  cb.on_feedback = [this, id](const congestion::Feedback& fb) { onViewerFeedback(id, fb); };
  cb.on_rtt = [this, id](double rtt_ms) {
    adaptation_.onRtt(id, congestion::Clock::now(), rtt_ms);
  };
  adaptation_.addViewer(id, congestion::Clock::now());
  webrtc::BranchOptions branch_options;
  branch_options.keyframe_interval = options_.video.keyframes.per_peer;
  branch_options.fec_percent =
      static_cast<int>(std::lround(options_.video.params.packetloss_percent));
  branch_options.h264_profile_level_id = media::h264ProfileLevelId(video_->profile());
  if (!options_.video.naive_baseline) {
    // Every codec we can encode is offered; the answer picks this viewer's encode
    // (docs/encoders.md, "Codecs per viewer").
    branch_options.codecs = video_->offerCodecs();
    const uint64_t generation = video_generation_;
    cb.acquire_tee = [manager, generation](const std::string& codec) -> Result<GstElement*> {
      if (generation != manager->video_generation_ || !manager->video_) {
        return fail("the video pipeline restarted");
      }
      return manager->video_->acquire(codec);
    };
    cb.release_tee = [manager, generation, id](const std::string& codec) {
      if (generation == manager->video_generation_ && manager->video_) {
        if (manager->low_viewers_.erase(id) != 0) manager->video_->releaseLow();
        manager->video_->release(codec);
      }
    };
  }
  return adapt(webrtc::PeerBranch::create(video_->pipeline(), video_->tee(), std::to_string(id),
                                          iceServers(), std::move(cb), branch_options));
}

void Manager::onBranchError(const std::string& element, const std::string& message) {
  for (auto& [id, conn] : connections_) {
    if ((conn->branch() && !conn->audioPeer() && conn->branch()->owns(element)) ||
        (conn->wsMedia() && conn->wsMedia()->owns(element))) {
      conn->fail("viewer stream failed: " + message);
      return;
    }
  }
  log::info(kLog, "error from " + element + ", a viewer that is already gone: " + message);
}

void Manager::onAudioBranchError(const std::string& element, const std::string& message) {
  for (auto& [id, conn] : connections_) {
    if (conn->audioPeer() && conn->branch() && conn->branch()->owns(element)) {
      conn->fail("audio stream failed: " + message);
      return;
    }
  }
  log::info(kLog, "audio error from " + element + ", a viewer that is already gone: " + message);
}

webrtc::PeerCallbacks Manager::callbacksFor(int id) {
  webrtc::PeerCallbacks cb;
  auto with = [this, id](auto fn) { return forConnection(id, std::move(fn)); };
  cb.on_offer = with([](Connection& c, std::string sdp) { c.onOfferCreated(sdp); });
  cb.on_candidate =
      with([](Connection& c, std::string cand, int mline) { c.onLocalCandidate(cand, mline); });
  cb.on_failed = with([](Connection& c, std::string reason) { c.fail(reason); });
  cb.on_answer_refused = with([](Connection& c, std::string reason) { c.refuse(reason); });
  cb.on_connected = with([](Connection& c) {
    log::info(kLog, "peer " + std::to_string(c.info().id) + ": media connected");
  });
  return cb;
}

Result<std::shared_ptr<Branch>> Manager::addAudioPeer(Connection& conn) {
  if (!audio_ || !audio_->available()) return fail(audioStatus());
  return adapt(webrtc::PeerBranch::create(audio_->pipeline(), audio_->tee(),
                                          "audio-" + std::to_string(conn.info().id), iceServers(),
                                          callbacksFor(conn.info().id), webrtc::audioBranch()));
}

void Manager::onAudioState(bool available) {
  for (const auto& [id, conn] : connections_) {
    auto* ws_media = conn->wsMedia();
    if (ws_media == nullptr) continue;
    if (!available) {
      ws_media->detachAudio();  // before the tee goes
    } else if (auto st = ws_media->attachAudio(audio_->pipeline(), audio_->tee()); !st) {
      log::warn(kLog, "peer " + std::to_string(id) +
                          ": no audio over the WebSocket: " + st.error().message);
    }
  }
  std::vector<int> ids;
  for (const auto& [id, conn] : connections_) {
    if (conn->audioPeer()) ids.push_back(id);
  }
  for (int id : ids) {
    auto& conn = *connections_.at(id);
    if (available) {
      if (conn.branch() == nullptr) conn.startAudio();
    } else {
      conn.dropAudio("audio unavailable");  // detaches from the tee now, before it goes
    }
  }
}

void Manager::removeVideoPeer(int id) {
  adaptation_.removeViewer(id);
  applyAudioShare();
  if (video_peers_ > 0) --video_peers_;
  if (video_peers_ == 0 && video_) {
    stopVideo();
    log::info(kLog, "last viewer left; video pipeline stopped");
  }
}

void Manager::closeAll(const std::string& reason) {
  std::vector<int> ids;
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (int id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->close(1001, reason);
  }
}

}  // namespace ds::session
