// Sessions: binds each signalling WebSocket to its state machine and, for video peers, to a
// webrtc branch on the shared video pipeline. Starts the pipeline with the first viewer and
// stops it with the last. Main-loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audio/audio_pipeline.hpp"
#include "core/result.hpp"
#include "http/websocket.hpp"
#include "media/encoder_failover.hpp"
#include "media/video_pipeline.hpp"
#include "session/branch.hpp"
#include "session/connection_host.hpp"
#include "session/network_adaptation.hpp"
#include "session/peer_limits.hpp"
#include "session/types.hpp"
#include "signalling/handler.hpp"
#include "webrtc/peer_branch.hpp"
#include "wsmedia/client.hpp"

namespace ds::session {

struct ManagerOptions {
  media::VideoOptions video;
  // Concurrent WebRTC peers, per process and per PeerInfo::subject (session/peer_limits.hpp).
  PeerCaps peer_caps;
  std::function<webrtc::IceServers()> ice_servers;
  // Creates the channel handler of a new video peer; may return nullptr (no input).
  std::function<std::unique_ptr<ChannelHandler>(const PeerInfo&,
                                                std::function<void(std::string)> send)>
      channel_handler;
  // Called when a video peer sends HELLO, before the pipeline starts (e.g. to resize X).
  std::function<void(const PeerInfo&)> on_video_hello;
  // Desktop audio (browser uid 3, its own pipeline and peer connection); nullopt = no audio.
  std::optional<audio::AudioOptions> audio;
  // Verifies a refresh token for a live connection; the error text is the failed check.
  std::function<Result<Refreshed>(const PeerInfo&, std::string token)> refresh;
  // Says whether an encoder can run here (media::probeEncoder); used to fail over at run time.
  media::EncoderFailover::Probe probe_encoder;
  // The encoder changed at run time after `from` failed (for metrics and the `system` replies).
  std::function<void(const std::string& from, const std::string& to, const std::string& why)>
      on_encoder_changed;
  // Congestion control (SELKIES_CONGESTION_CONTROL): the viewers' transport feedback drives the
  // encoder's bitrate and frame rate (session/network_adaptation.hpp). Needs video.transport_cc.
  bool congestion_control = true;
};

// One video viewer's network, for /metrics.
struct ViewerNetwork {
  int connection = 0;
  std::optional<NetworkFigures> control;  // with congestion control
  webrtc::TransportStats transport;
};

// The GStreamer pipelines running now and the elements inside them (viewers' branches
// included), for /metrics: both return to their idle values when every viewer has left.
struct PipelineCount {
  int pipelines = 0;
  int elements = 0;
};

class Connection;

// Connections reach the manager only through ConnectionHost (session/connection_host.hpp).
class Manager : private ConnectionHost {
 public:
  explicit Manager(ManagerOptions options);
  ~Manager() override;
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  void accept(std::shared_ptr<http::WebSocket> ws, PeerInfo info);

  // The running pipeline, or nullptr when nobody watches.
  media::VideoPipeline* video() { return video_.get(); }
  // The audio pipeline (always present when configured, streaming or retrying), or nullptr.
  audio::AudioPipeline* audio() { return audio_.get(); }
  // The user's Opus bitrate (the page's `ab`): the ceiling under which the audio follows the
  // slowest viewer's video target (congestion::audioBitrateFor).
  void setAudioBitrate(int bps);
  std::string audioStatus() const override { return audio_ ? audio_->status() : "disabled"; }
  int connections() const { return static_cast<int>(connections_.size()); }
  int videoPeers() const { return video_peers_; }
  // WebRTC peers holding a slot (video and audio), and HELLOs refused by the caps since start.
  int peers() const { return peer_limits_.total(); }
  uint64_t peersRefused() const { return peer_limits_.refused(); }
  uint64_t pipelinesStarted() const { return pipelines_started_; }
  PipelineCount runningPipelines() const;
  // Frames encoded and frames skipped as unchanged, over every pipeline since start.
  uint64_t framesEncoded() const {
    return frames_encoded_done_ + (video_ ? video_->encodedFrames() : 0);
  }
  uint64_t framesSkipped() const {
    return frames_skipped_done_ + (video_ ? video_->skippedFrames() : 0);
  }
  // The encoder in use (it can change at run time, see media/encoder_failover.hpp).
  const std::string& encoder() const { return options_.video.encoder; }

  // Closes every connection (shutdown or a fatal pipeline error).
  void closeAll(const std::string& reason);

  // Restarts the video pipeline for every peer (after a fatal pipeline error).
  void restartVideo(const std::string& reason);
  // A running pipeline failed: restart it, on the next encoder when this one is at fault.
  void onVideoError(const std::string& message, bool from_encoder);
  // An element of one viewer's branch failed: that viewer is ended, the others stream on.
  void onBranchError(const std::string& element, const std::string& message);
  void onAudioBranchError(const std::string& element, const std::string& message);

  // Runtime changes (data channel `vb`, `_arg_fps`, `p`, resize). They apply to the running
  // pipeline and to every pipeline started later.
  void setBitrate(int kbps);
  void setFramerate(int fps);
  void setPointerVisible(bool visible);
  // The X screen changed size: capture restarts at the new size without a reconnect.
  void onScreenResized();
  const media::VideoOptions& videoOptions() const { return options_.video; }
  // Every video viewer's network as last seen, and what the shared encode runs at.
  std::vector<ViewerNetwork> viewerNetworks() const;
  EncoderSetting encoderSetting() const { return adaptation_.setting(); }
  // What connection `id` receives (the lower encode's setting while it is on it).
  EncoderSetting encoderSettingFor(int id) const { return adaptation_.settingFor(id); }
  // The encoded picture's width over the screen's (below 1 while congestion control shrinks
  // it): pointer positions, given in the picture's pixels, are divided by it.
  double pictureScale() const;
  // The same for what connection `id` receives.
  double pictureScale(int id) const;
  bool networkLimited() const { return adaptation_.limited(); }
  bool networkLimited(int id) const { return adaptation_.limitedFor(id); }
  // Viewers on the lower encode now (for tests and metrics).
  const std::set<int>& lowEncodeViewers() const { return low_viewers_; }

 private:
  // ConnectionHost.
  signalling::UidRegistry& uids() override { return uids_; }
  PeerLimits& peerLimits() override { return peer_limits_; }
  bool canRefresh() const override { return static_cast<bool>(options_.refresh); }
  Result<Refreshed> refresh(const PeerInfo& info, std::string token) override {
    return options_.refresh(info, std::move(token));
  }
  void onVideoHello(const PeerInfo& info) override {
    if (options_.on_video_hello) options_.on_video_hello(info);
  }
  std::unique_ptr<ChannelHandler> makeChannel(const PeerInfo& info,
                                              std::function<void(std::string)> send) override {
    return options_.channel_handler ? options_.channel_handler(info, std::move(send)) : nullptr;
  }
  Result<std::shared_ptr<Branch>> addVideoPeer(Connection& conn) override;
  // A WebSocket media client (wsmedia/): counts as a video peer, taps the shared tees.
  Result<std::unique_ptr<wsmedia::Client>> addWsMediaPeer(Connection& conn) override;
  void onWsMediaStarted(Connection& conn) override;
  Result<std::shared_ptr<Branch>> addAudioPeer(Connection& conn) override;
  bool audioAvailable() const override { return audio_ && audio_->available(); }
  void removeVideoPeer(int id) override;
  void remove(int id) override;

  Status ensureVideo();  // starts the pipeline if nobody watched
  // A video viewer's transport feedback (WebRTC TWCC or WebSocket ACKs) for congestion control.
  void onViewerFeedback(int id, const congestion::Feedback& fb);
  // Runs the encoder at what congestion control decided (bitrate, frame rate).
  void applyEncoderSetting(const EncoderSetting& s);
  // Runs the lower encode at `low` and moves viewers on or off it as congestion control decided
  // (manager_low.cpp).
  void applyLowEncode(const std::optional<EncoderSetting>& low);
  // Sets the Opus bitrate congestion::audioBitrateFor gives now, when it changed.
  void applyAudioShare();
  bool moveToLow(int id, Connection& conn);
  // The lower encode failed: its viewers go back, and nobody is moved again on this pipeline.
  void onLowEncodeError(const std::string& message);
  void moveToShared(int id, Connection& conn);
  // Links the connection's video (WebRTC branch or WebSocket tap) to another encode's tee.
  static Status switchTee(Connection& conn, GstElement* tee);
  // Whether the connection's stream can be moved between encodes (a WebRTC viewer once it is
  // connected, a WebSocket client once its tap runs).
  bool movable(const Connection& conn) const;
  void stopVideo();  // drops the pipeline, keeping its frame counts
  // Every video viewer gets `reason` as an ERROR and is closed; the pipeline stops.
  void dropAllVideo(const std::string& reason);
  void onAudioState(bool available);
  // Signalling callbacks shared by video and audio branches of connection `id`.
  webrtc::PeerCallbacks callbacksFor(int id);
  webrtc::IceServers iceServers() const {
    return options_.ice_servers ? options_.ice_servers() : webrtc::IceServers{};
  }
  // Wraps `fn(Connection&, args...)` into a callback that runs only while connection `id`
  // still exists (webrtc callbacks can arrive after it closed).
  template <typename Fn>
  auto forConnection(int id, Fn fn) {
    return [this, id, fn = std::move(fn)](auto&&... args) {
      auto it = connections_.find(id);
      if (it != connections_.end()) fn(*it->second, args...);
    };
  }

  ManagerOptions options_;
  signalling::UidRegistry uids_;
  PeerLimits peer_limits_;  // before connections_: their slots point here
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::unique_ptr<media::VideoPipeline> video_;
  std::unique_ptr<audio::AudioPipeline> audio_;
  int audio_configured_bps_ = 0;  // the user's; 0 until audio is configured
  int audio_applied_bps_ = 0;     // what the encoder was last set to
  int video_peers_ = 0;
  int next_id_ = 1;
  uint64_t pipelines_started_ = 0;
  uint64_t video_generation_ = 0;  // counts pipelines built, to drop stale error reports
  uint64_t frames_encoded_done_ = 0;
  uint64_t frames_skipped_done_ = 0;
  media::EncoderFailover failover_;
  NetworkAdaptation adaptation_;
  congestion::Clock::time_point size_checked_at_{};
  std::set<int> low_viewers_;  // connections whose branch or tap is linked to the lower encode
  bool low_failed_ = false;    // the lower encode failed on this pipeline
};

}  // namespace ds::session
