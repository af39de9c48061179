// Runtime encoder failover (docs/encoders.md): what to do when the running video pipeline fails.
// An error posted by the encoder (or its upload/convert elements) moves to the next encoder of
// the fallback chain at once. Any other error restarts the same encoder, unless the pipeline
// built on that encoder fails again soon after it started (e.g. a frame size the encoder cannot
// open, which GStreamer reports from the capture as "not-negotiated"). When the last encoder of
// the chain also fails twice soon after starting, it gives up for a cool-down instead of
// rebuilding in a loop. Pure logic; the caller probes the candidate and rebuilds.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace ds::media {

struct FailoverDecision {
  std::string encoder;  // the encoder to rebuild on
  bool switched = false;
  // No encoder left: the last one of the chain failed twice soon after starting. Do not rebuild
  // now; EncoderFailover::blockedFor() says how long new pipelines wait (no restart loop).
  bool gave_up = false;
  std::string why;  // one line for the log
};

class EncoderFailover {
 public:
  using Clock = std::chrono::steady_clock;
  // `probe` says whether an encoder can run here (media::probeEncoder in production).
  using Probe = std::function<Status(const std::string& encoder)>;

  EncoderFailover(std::string encoder, Probe probe,
                  std::chrono::seconds early_failure = std::chrono::seconds(10),
                  std::chrono::seconds cool_down = std::chrono::seconds(30))
      : encoder_(std::move(encoder)),
        probe_(std::move(probe)),
        early_failure_(early_failure),
        cool_down_(cool_down) {}

  const std::string& encoder() const { return encoder_; }
  // A pipeline on encoder() started at `now`.
  void started(Clock::time_point now) { started_at_ = now; }
  // The running pipeline failed at `now`; `from_encoder`: the error came from the encoder.
  FailoverDecision failed(bool from_encoder, Clock::time_point now);
  // After gave_up: how long until a pipeline may be built again (nullopt: now).
  std::optional<Clock::duration> blockedFor(Clock::time_point now) const;

 private:
  std::string encoder_;
  Probe probe_;
  std::chrono::seconds early_failure_;
  std::chrono::seconds cool_down_;
  std::optional<Clock::time_point> blocked_until_;
  std::optional<Clock::time_point> started_at_;
  int failures_on_this_encoder_ = 0;
};

}  // namespace ds::media
