// The desktop audio graph: pulsesrc -> convert/resample -> caps -> opusenc -> rtpopuspay -> caps
// -> tee (Selkies' audio chain; docs/audio.md, "Graph"). It is a pipeline of its own with its own
// clock, and every audio viewer gets its own webrtcbin (webrtc::PeerBranch with audio options), so
// audio can never delay video.
//
// PulseAudio may be absent or go away at any time. The pipeline then reports itself unavailable
// and retries on the GLib main loop with backoff (1 s doubling to 30 s); the blocking connect is
// done on a GStreamer pool thread, never on the main loop. Meanwhile, with
// `silence_when_unavailable`, it streams live Opus silence through the same tee, so audio peers
// still negotiate and connect (the Selkies web client waits for both of its peers before it shows
// the desktop); when PulseAudio appears the silence is replaced (its peers are dropped and
// reconnect to the real audio). The graph itself is in graph.hpp. Main-loop thread only.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace ds::audio {

struct AudioOptions {
  std::string server;  // PulseAudio server (pulsesrc "server"); "" = PULSE_SERVER or the default
  std::string device;  // PulseAudio source; "" = the server's default source (null sink monitor)
  int channels = 2;    // 1..8; >2 is sent as MULTIOPUS
  int bitrate_bps = 128000;
  double packetloss_percent = 0;  // >0 turns on Opus in-band FEC tuned for that loss
  // pulsesrc clocking, Selkies' values by default (provide-clock=true, do-timestamp=false; measured
  // in docs/audio.md, "Clocking").
  bool provide_clock = true;
  bool do_timestamp = false;
  // While no PulseAudio server is reachable, stream silence instead of nothing (see above).
  bool silence_when_unavailable = false;
  int retry_initial_ms = 1000;
  int retry_max_ms = 30000;
  // No RTP from PulseAudio for this long while available: the server is treated as lost (a hung
  // or stopped server keeps its socket open, so pulsesrc reports nothing). A source always
  // produces, silence included (a null sink's monitor too), so a stall is never normal. 0 = off.
  int stall_timeout_ms = 3000;
};

// Opus accepts 6 kbit/s .. 510 kbit/s; outside values are clamped.
int clampBitrate(int bps);
// RTP caps after the payloader: OPUS for 1-2 channels, MULTIOPUS for more.
std::string rtpCaps(int channels);

class AudioPipeline {
 public:
  // `available` is true when the pipeline has just started streaming, false when it stopped
  // (server gone). On false the tee is about to be destroyed: detach every branch from it
  // synchronously inside the callback.
  using StateCallback = std::function<void(bool available)>;

  // Starts connecting right away (asynchronously). Fails only on bad options or a missing
  // GStreamer plugin, never because no PulseAudio server is reachable.
  static Result<std::unique_ptr<AudioPipeline>> start(AudioOptions options, StateCallback on_state);
  ~AudioPipeline();
  AudioPipeline(const AudioPipeline&) = delete;
  AudioPipeline& operator=(const AudioPipeline&) = delete;

  // True once RTP leaves the payloader with fixed caps (a branch's offer needs them): desktop
  // audio, or the silence that stands in for it.
  bool available() const { return streaming_; }
  // True while that RTP is the stand-in silence (PulseAudio unavailable).
  bool silent() const { return streaming_ && silent_; }
  // "available", "connecting", or "unavailable: <reason>; retrying in N s" (for /health, page),
  // followed by "; sending silence" while the silence streams.
  std::string status() const;
  // Valid while available(); nullptr otherwise.
  GstElement* pipeline() const { return streaming_ ? pipeline_ : nullptr; }
  GstElement* tee() const { return streaming_ ? tee_ : nullptr; }
  const AudioOptions& options() const { return options_; }

  // A viewer branch (its webrtcbin or queue, named by the element directly inside the pipeline)
  // posted an error: that viewer's problem, reported on the main loop; the audio goes on.
  using BranchErrorCallback = std::function<void(std::string element, std::string message)>;
  void onBranchError(BranchErrorCallback cb) { on_branch_error_ = std::move(cb); }

  // Runtime bitrate change (the `ab` message); kept across reconnects.
  void setBitrate(int bps);
  // RTP packets that left the payloader since construction (stats and tests).
  uint64_t packets() const { return counters_->packets.load(); }
  // Bytes of RTP payload since construction (tests measure bitrate changes with it).
  uint64_t bytes() const { return counters_->bytes.load(); }
  // The pipeline latency GStreamer computed (pulsesrc + encoder), in ns; -1 when unavailable.
  int64_t latencyNs() const;

  // Internal: shared with pool-thread work through a weak_ptr.
  struct Token;
  struct Counters {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
  };

 private:
  AudioPipeline(AudioOptions options, StateCallback on_state);
  Result<GstElement*> build(bool silence);
  void attempt();
  void onAttemptDone(GstElement* pipeline, bool ok, std::string error);
  void install(GstElement* pipeline, bool silent);
  void onCaps(uint64_t pipeline_id, GstCaps* caps);
  void becameUnavailable(const std::string& reason);
  void startSilence();
  void onPipelineError(uint64_t pipeline_id, const std::string& text);
  // How teardown() stops the pipeline: here (the silence, shutdown), or on a GStreamer pool
  // thread (a PulseAudio pipeline whose server is gone or hung).
  enum class Stop { kHere, kOnPoolThread };
  void dropInstalled(Stop stop = Stop::kHere);
  void scheduleRetry();
  void startStallWatch();
  void checkStall();
  void teardown(Stop stop = Stop::kHere);
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);

  AudioOptions options_;
  StateCallback on_state_;
  BranchErrorCallback on_branch_error_;
  std::shared_ptr<Token> token_;
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
  GstElement* pipeline_ = nullptr;  // the installed pipeline (PulseAudio or silence)
  // Every built pipeline gets a new id: late messages name theirs (an address can be reused).
  uint64_t built_ = 0;
  uint64_t installed_id_ = 0;
  GstElement* encoder_ = nullptr;
  GstElement* tee_ = nullptr;
  guint bus_watch_ = 0;
  guint retry_source_ = 0;
  guint stall_source_ = 0;      // the stall watch, while PulseAudio streams
  uint64_t stall_packets_ = 0;  // the packet count at the last check that saw it grow
  gint64 stall_since_us_ = 0;   // when that count was last seen growing
  bool connecting_ = false;
  bool streaming_ = false;
  bool silent_ = false;          // pipeline_ is the silence
  bool silence_failed_ = false;  // the silence could not run: not tried again
  bool silence_logged_ = false;
  int retry_ms_ = 0;
  int next_retry_ms_ = 0;
  std::string last_error_;
};

}  // namespace ds::audio
