#include "wsmedia/ack_feedback.hpp"

#include <algorithm>
#include <cmath>

namespace ds::wsmedia {
namespace {

double ms(AckFeedback::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void AckFeedback::onOffered(Clock::time_point at, size_t bytes, bool skipped) {
  if (!first_video_sent_) return;  // a new client waiting for its first keyframe
  if (skipped) last_skip_ = at;
  Clock::time_point from = at - options_.max_spread;
  if (last_offer_) {
    from = std::clamp(*last_offer_, from, at);
    const double gap = std::clamp(ms(at - *last_offer_), 1.0, 1000.0);
    frame_interval_ms_ = frame_interval_ms_ > 0 ? 0.9 * frame_interval_ms_ + 0.1 * gap : gap;
  }
  last_offer_ = std::max(at, last_offer_.value_or(at));
  offered_.push_back(Span{from, at, static_cast<double>(bytes)});
  prune(offered_, at, options_.window);
}

void AckFeedback::onSent(uint32_t seq, Clock::time_point at, size_t bytes, bool video) {
  if (video && !first_video_sent_) first_video_sent_ = at;
  in_flight_.push_back(Sent{seq, at, bytes, video, acked_bytes_});
  if (in_flight_.size() > kMaxInFlight) in_flight_.pop_front();
}

void AckFeedback::noteDelay(Clock::time_point at, double delay_ms, size_t bytes) {
  rtt_min_ = std::min(delay_ms, rtt_min_.value_or(delay_ms));
  if (bytes <= options_.small_bytes) {
    small_min_ = std::min(delay_ms, small_min_.value_or(delay_ms));
  }
  if (!rtt_since_) rtt_since_ = at;
}

double AckFeedback::baseRttMs() const {
  std::optional<double> base = small_min_;
  for (const auto& [at, d] : small_delays_) base = std::min(d, base.value_or(d));
  return base.value_or(0);  // unknown: the transfer time then holds the round trip
}

unsigned AckFeedback::roundTripFrames() const {
  if (frame_interval_ms_ <= 0) return 0;
  return static_cast<unsigned>(std::lround(baseRttMs() / frame_interval_ms_));
}

std::optional<AckSample> AckFeedback::onAck(uint32_t seq, Clock::time_point at) {
  double bytes = 0;  // of video
  std::optional<Clock::time_point> first_video;
  std::optional<Sent> newest;
  // Serial-number arithmetic: sequence numbers wrap at 2^32.
  while (!in_flight_.empty() && static_cast<int32_t>(seq - in_flight_.front().seq) >= 0) {
    const Sent& s = in_flight_.front();
    if (s.video) bytes += static_cast<double>(s.bytes);
    acked_bytes_ += static_cast<double>(s.bytes);
    if (s.video && !first_video) first_video = s.at;
    newest = s;
    in_flight_.pop_front();
  }
  if (!newest) return std::nullopt;  // a repeated ACK: nothing new arrived
  noteDelay(at, std::max(0.0, ms(at - newest->at)), newest->bytes);

  if (first_video) {
    // The frames a stall held: the path's time on them is mostly the stall (TCP's backoff), not
    // its rate, which the stall samples have bounded already; the path's rate counts from their
    // ACK.
    const bool after_stall =
        last_stall_ && *last_stall_ > last_video_ack_.value_or(Clock::time_point{});
    if (!after_stall) {
      // In ACK time (everything shifted by the return trip): the path started carrying these
      // frames a base round trip after their send, or when it had delivered the frames before,
      // whichever came later.
      const Clock::time_point from =
          std::max(*first_video + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double, std::milli>(baseRttMs())),
                   last_video_ack_.value_or(*first_video));
      delivered_.push_back(Span{std::min(from, at), at, bytes});
    }
    last_video_ack_ = std::max(at, last_video_ack_.value_or(at));
  }
  prune(delivered_, at, std::max(options_.window, options_.path_rate_window));

  if (last_sample_ && at - *last_sample_ < options_.interval) return std::nullopt;
  if (!first_video_sent_ || at - *first_video_sent_ < options_.window) return std::nullopt;
  const Delivered d = deliveredIn(at, options_.window);
  if (d.bytes <= 0) return std::nullopt;  // no video arrived in the window: nothing to say
  last_sample_ = at;
  const double window_ms = ms(options_.window);
  AckSample sample;
  sample.feedback.at = at;
  // The offered window ends at the newest offer (frames come every 1/fps: a window ending
  // between two of them would miss part of the last one's share), or now after a pause.
  const Clock::time_point offer_end =
      last_offer_ && at - *last_offer_ < options_.max_spread ? *last_offer_ : at;
  sample.feedback.sent_kbps = offeredIn(offer_end) * 8 / window_ms;
  // At least 5 ms: a lone small frame on a fast path does not read as an infinitely fast one.
  // The path's rate over the last path_rate_window: all the video it carried over all the time
  // it spent on it. One window can mislead both ways (a page busy with other work acknowledges
  // late, then several frames at once); a second of them evens that out.
  const Delivered longer = deliveredIn(at, options_.path_rate_window);
  const double path_kbps = longer.bytes * 8 / std::max(longer.ms, 5.0);
  const bool skipped = last_skip_ && at - *last_skip_ <= options_.window;
  sample.feedback.recv_kbps = skipped ? path_kbps : std::max(path_kbps, sample.feedback.sent_kbps);
  sample.feedback.loss = 0;  // TCP: nothing is lost; it queues, or the send policy skips it
  last_feedback_ = sample.feedback;
  if (at - *rtt_since_ >= options_.rtt_interval) {
    sample.rtt_ms = rtt_min_;
    last_rtt_ms_ = rtt_min_;
    if (small_min_) small_delays_.emplace_back(at, *small_min_);
    while (!small_delays_.empty() && at - small_delays_.front().first > options_.base_rtt_window) {
      small_delays_.pop_front();
    }
    rtt_min_.reset();
    small_min_.reset();
    rtt_since_ = at;
  }
  return sample;
}

std::optional<StallSample> AckFeedback::checkStall(Clock::time_point now) {
  if (!last_skip_ || now - *last_skip_ > options_.window) return std::nullopt;
  if (last_stall_ && now - *last_stall_ < options_.stall_interval) return std::nullopt;
  // The path carries the socket's bytes in order: everything still unacknowledged up to the
  // oldest video message, and what was acknowledged since that went out (sent before it, so
  // ahead of it on the path), was not all carried in the time since its send.
  double bytes = 0;
  const Sent* oldest_video = nullptr;
  for (const Sent& s : in_flight_) {
    bytes += static_cast<double>(s.bytes);
    if (s.video) {
      oldest_video = &s;
      break;
    }
  }
  if (oldest_video == nullptr) return std::nullopt;
  const double stalled_ms = ms(now - oldest_video->at) - baseRttMs();
  if (stalled_ms < ms(options_.stall_after)) return std::nullopt;
  bytes += acked_bytes_ - oldest_video->acked_before;
  last_stall_ = now;
  return StallSample{now, bytes * 8 / stalled_ms, stalled_ms};
}

double AckFeedback::offeredIn(Clock::time_point end) const {
  const Clock::time_point start = end - options_.window;
  double bytes = 0;
  for (const Span& s : offered_) {
    if (s.to <= s.from) {  // an instant: in the window or not
      if (s.to > start && s.to <= end) bytes += s.bytes;
      continue;
    }
    const auto lo = std::max(s.from, start);
    const auto hi = std::min(s.to, end);
    if (hi > lo) bytes += s.bytes * ms(hi - lo) / ms(s.to - s.from);
  }
  return bytes;
}

AckFeedback::Delivered AckFeedback::deliveredIn(Clock::time_point end,
                                                std::chrono::milliseconds window) const {
  // Whole spans, by ACK time: a span cut by the window's start would otherwise leave a sliver
  // of path time that says little about the path's rate.
  const Clock::time_point start = end - window;
  Delivered d;
  for (const Span& s : delivered_) {
    if (s.to <= start || s.to > end) continue;
    d.bytes += s.bytes;
    d.ms += ms(s.to - s.from);
  }
  return d;
}

void AckFeedback::prune(std::deque<Span>& spans, Clock::time_point now,
                        std::chrono::milliseconds window) const {
  const Clock::time_point start = now - window;
  while (!spans.empty() && spans.front().to <= start) spans.pop_front();
}

}  // namespace ds::wsmedia
