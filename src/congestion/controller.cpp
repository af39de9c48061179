#include "congestion/controller.hpp"

#include <algorithm>
#include <cmath>

namespace ds::congestion {
namespace {

constexpr double kLossWeight = 0.3;
constexpr double kRatioWeight = 0.2;  // of the newest sample (feedback comes every 50-100 ms)
constexpr double kQueueWeight = 0.3;  // of the newest measured queue
constexpr double kMinSentKbps = 50;   // a sample with less says nothing about the path
constexpr double kAppLimited = 0.25;  // sent below this share of the target: nothing probed

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Appends `value`, keeping the last Controller::kMedianOf.
void keepLast(std::deque<double>& values, double value) {
  values.push_back(value);
  if (values.size() > Controller::kMedianOf) values.pop_front();
}

double median(std::deque<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

Controller::Controller(Limits limits, Clock::time_point now)
    : limits_(limits), target_(limits.start_kbps), last_update_(now) {
  limits_.min_kbps = std::max(1, limits_.min_kbps);
  limits_.max_kbps = std::max(limits_.min_kbps, limits_.max_kbps);
  clamp();
}

void Controller::clamp() {
  target_ = std::clamp(target_, static_cast<double>(limits_.min_kbps),
                       static_cast<double>(limits_.max_kbps));
}

void Controller::setMaxKbps(int kbps) {
  limits_.max_kbps = std::max(limits_.min_kbps, kbps);
  clamp();
}

void Controller::onRtt(Clock::time_point at, double rtt_ms) {
  if (!(rtt_ms >= 0) || rtt_ms > 60'000) return;  // NaN or nonsense: ignored
  rtt_ms_ = rtt_ms;
  rtt_at_ = at;
  rtt_acted_ = false;
  rtts_.emplace_back(at, rtt_ms);
  while (!rtts_.empty() && at - rtts_.front().first > kMinRttWindow) rtts_.pop_front();
}

int Controller::onStall(Clock::time_point at, double path_kbps) {
  if (!(path_kbps >= 0) || !std::isfinite(path_kbps)) return targetKbps();
  last_update_ = std::max(last_update_, at);
  // A bound, not a measurement of the capacity (a stall of TCP's retransmission backoff lasts
  // longer than the path's rate explains), so at most half the target per stall sample, as GCC
  // halves its estimate when feedback stops; the capacity and the queue estimate stay.
  const double to = std::max(kStallDecrease * target_, kDecreaseFactor * path_kbps);
  if (to < target_) decrease(at, to, "stall");
  return targetKbps();
}

bool Controller::standingQueue(Clock::time_point now) const {
  if (!rtt_ms_ || !rtt_at_ || rtt_acted_ || now - *rtt_at_ > std::chrono::seconds(2) ||
      rtts_.size() < 2) {
    return false;
  }
  double min_rtt = rtts_.front().second;
  for (const auto& [at, rtt] : rtts_) min_rtt = std::min(min_rtt, rtt);
  return *rtt_ms_ - min_rtt > kStandingQueueMs;
}

bool Controller::decrease(Clock::time_point now, double to, std::string_view why) {
  reason_ = why;
  const auto reaction = std::max<Clock::duration>(
      kMinReaction, std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double, std::milli>(rtt_ms_.value_or(0))));
  if (last_decrease_ && now - *last_decrease_ < reaction) {
    trend_ = Trend::kHold;  // the last decrease has not shown its effect yet
    return false;
  }
  target_ = std::min(target_, to);
  clamp();
  last_decrease_ = now;
  // A stall's bound measured no capacity to be cautious near.
  if (why != "stall") cautious_from_ = now;
  trend_ = Trend::kDecrease;
  if (why == "delay") {
    ++decreases_.delay;
    last_delay_decrease_ = now;
  }
  if (why == "rtt") ++decreases_.rtt;
  if (why == "loss") ++decreases_.loss;
  if (why == "stall") ++decreases_.stall;
  return true;
}

double Controller::measuredGrowth(Clock::time_point at, double queue_ms) {
  // Measured per packet (DelayTracker), smoothed a little: path jitter moves single bursts by
  // several ms. Growth is the rise of the smoothed queue over the last kRiseOver (negative while
  // it drains); a decrease drains it within a few hundred ms, and nothing needs resetting.
  const double q = std::clamp(queue_ms, 0.0, 10'000.0);
  queue_ms_ = measured_.empty() ? q : (1 - kQueueWeight) * queue_ms_ + kQueueWeight * q;
  measured_.emplace_back(at, queue_ms_);
  while (measured_.size() > 1 && at - measured_[1].first >= kRiseOver) measured_.pop_front();
  return queue_ms_ - measured_.front().second;
}

double Controller::estimatedGrowth(const Feedback& fb, double dt) {
  // Lost packets are missing from the received bits: take them out of the sent side too, so
  // random loss does not read as a growing queue.
  const double delivered = fb.sent_kbps * (1 - std::min(fb.loss, 0.9));
  // Sending faster than the browser receives for dt seconds adds that share of dt to the queue
  // on the path; receiving faster (the queue draining) takes it off. The estimate leaks, so
  // measurement noise cannot pile up into a queue that is not there.
  // The sent/received ratio is smoothed first, as its logarithm: jitter shifts arrival times
  // back and forth, so sent and received swing alike around the true rate, and the plain ratio
  // of two such figures averages above 1 (E[1/x] > 1/E[x]), a bias that the integration below
  // would turn into a queue that is not there.
  const double ratio = std::clamp(delivered / std::max(fb.recv_kbps, 1.0), 0.25, 4.0);
  log_ratio_ema_ = (1 - kRatioWeight) * log_ratio_ema_ + kRatioWeight * std::log(ratio);
  const double growth_ms = std::expm1(log_ratio_ema_) * dt * 1000;
  queue_ms_ = std::clamp(queue_ms_ * std::exp(-dt / kQueueLeakS) + growth_ms, 0.0, 1'000.0);
  return growth_ms;
}

int Controller::onFeedback(const Feedback& fb) {
  const double dt = std::clamp(seconds(fb.at - last_update_), 0.0, 0.5);
  last_update_ = std::max(last_update_, fb.at);
  if (!(fb.sent_kbps >= kMinSentKbps) || !(fb.recv_kbps >= 0) || !(fb.loss >= 0)) {
    return targetKbps();
  }
  const bool measured = fb.queue_delay_ms && std::isfinite(*fb.queue_delay_ms);
  const double growth_ms =
      measured ? measuredGrowth(fb.at, *fb.queue_delay_ms) : estimatedGrowth(fb, dt);
  loss_ema_ = (1 - kLossWeight) * loss_ema_ + kLossWeight * std::min(fb.loss, 1.0);
  // What the path carried lately, robust to one window's swing: the base of a decrease.
  keepLast(recent_recv_, fb.recv_kbps);
  keepLast(recent_sent_, fb.sent_kbps);
  const double recv_now = median(recent_recv_);

  const bool app_limited = fb.sent_kbps < kAppLimited * target_;
  // Overuse is a queue that is long and still clearly growing (measured: it rose by over 10 ms
  // in the last 500 ms; estimated: the browser receives at least 3 % slower than we send); one
  // that drains, or noise around a stable rate, is left alone.
  const bool growing = measured ? growth_ms > kRiseMs : growth_ms > kOveruseGrowth * dt * 1000;
  if (queue_ms_ > kOveruseQueueMs && growing) {
    // What arrived is the path's capacity only when we sent more than it carried; a static
    // screen's trickle says nothing about it.
    if (!app_limited) {
      capacity_ = recv_now;
      near_capacity_ = true;
    }
    const double base = app_limited ? target_ : std::min(recv_now, target_);
    if (decrease(fb.at, kDecreaseFactor * base, "delay") && !measured) {
      // The decrease drains the queue; what is left of the estimate must not trigger another
      // one by itself (only new growth does). A measured queue needs no such reset.
      queue_ms_ = 0;
    }
    return targetKbps();
  }
  // A measured queue that stays long without growing: what a round trip over its minimum says
  // for a viewer without per-packet times, but now, not one receiver report (a second) late.
  // One that drains is left to drain: a decrease per reaction time while it does would take
  // the target to the floor.
  if (measured && queue_ms_ > kStandingQueueMs && growth_ms >= -kRiseMs) {
    decrease(fb.at, kDecreaseFactor * std::min(recv_now, target_), "delay");
    return targetKbps();
  }
  if (!measured && standingQueue(fb.at)) {
    const double base = capacity_ > 0 ? std::min(capacity_, recv_now) : recv_now;
    // One decrease per receiver report: the next report shows whether it was enough.
    if (decrease(fb.at, kDecreaseFactor * std::min(base, target_), "rtt")) rtt_acted_ = true;
    return targetKbps();
  }
  if (loss_ema_ > kLossDecrease) {
    // Loss is slow to clear from the smoothed figure: one decrease per second for it, so a burst
    // of tail drops (which the queue rule above already answers) is not counted three times.
    if (!last_loss_decrease_ || fb.at - *last_loss_decrease_ >= kLossReaction) {
      if (decrease(fb.at, target_ * (1 - 0.5 * loss_ema_), "loss")) last_loss_decrease_ = fb.at;
    }
    reason_ = "loss";
    return targetKbps();
  }
  trend_ = Trend::kHold;
  if (loss_ema_ > kLossHold) {
    reason_ = "loss";
    return targetKbps();
  }
  // Hold while a queue is there (estimated) or draining (measured: a queue that stays without
  // growing is also what a longer path looks like until the 10 s base catches up with it).
  if (measured ? growth_ms < -kRiseMs : queue_ms_ > kHoldQueueMs) {
    reason_ = "delay";
    return targetKbps();
  }
  if (app_limited) {
    reason_ = "app-limited";
    return targetKbps();
  }
  // While we send about what the path carried when it last showed congestion, rise slowly, as
  // GCC does near its link capacity estimate: the encoder then overflows the path by a few percent
  // when it uses more, not by what 40 %/s would add. While it sends less (its content, at the
  // ladder's frame rate, needs less than the target), the target may rise fast: unused, it
  // queues nothing. Once the path carries clearly more than that capacity it has grown (a cap
  // lifted): forget it.
  if (near_capacity_ && recv_now > kCapacityGrown * capacity_) near_capacity_ = false;
  const double sent_now = median(recent_sent_);
  const bool after_decrease = cautious_from_ && fb.at - *cautious_from_ < kCautious &&
                              sent_now >= kCautiousShare * capacity_;
  const bool cautious = after_decrease || (near_capacity_ && sent_now >= kNearCapacity * capacity_);
  const double rate = cautious ? kSlowIncreasePerS : kFastIncreasePerS;
  const double before = target_;
  // No ceiling at a multiple of the received rate (GCC's 1.5x): an encoder whose content needs
  // only 60 % of the target would then pin the target near what it sends. The app-limited hold
  // above keeps an idle encoder from probing.
  target_ *= std::pow(rate, dt);
  // Once the path has shown congestion, no higher than what its frames' spacing says it carries
  // (or what it did carry): a lifted cap shows in the next frames, and the ceiling goes with it.
  reason_ = "probe";
  if (fb.burst_kbps && std::isfinite(*fb.burst_kbps) && last_delay_decrease_ &&
      fb.at - *last_delay_decrease_ < kCeilingMemory) {
    const double ceiling = std::max(kCeilingShare * *fb.burst_kbps, recv_now);
    if (target_ > ceiling) {
      target_ = std::max(before, ceiling);
      reason_ = "ceiling";
    }
  }
  clamp();
  trend_ = target_ > before ? Trend::kIncrease : Trend::kHold;
  return targetKbps();
}

}  // namespace ds::congestion
