// The per-viewer bitrate controller against a simulated bottleneck (a rate cap with a tail-drop
// queue, as tbf makes one), random loss, a standing queue seen in the RTT, a static screen and
// bad input. Times are simulated: nothing here sleeps.
#include "congestion/controller.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "congestion/quality_ladder.hpp"

namespace ds::congestion {
namespace {

using std::chrono::milliseconds;

// A bottleneck of `capacity` kbit/s with a queue of at most `queue_ms` of it: what TWCC feedback
// would report every 100 ms for an encoder that sends exactly the target.
struct Link {
  double capacity = 3000;
  double queue_ms_max = 200;
  double queued_kbit = 0;  // standing in the queue

  Feedback step(Clock::time_point at, double sent_kbps, double dt_s = 0.1) {
    const double arriving = sent_kbps * dt_s;
    const double room = capacity * queue_ms_max / 1000;
    double leaving = std::min(capacity * dt_s, arriving + queued_kbit);
    double backlog = queued_kbit + arriving - leaving;
    double dropped = std::max(0.0, backlog - room);
    queued_kbit = backlog - dropped;
    Feedback fb;
    fb.at = at;
    fb.sent_kbps = sent_kbps;
    fb.loss = arriving > 0 ? dropped / arriving : 0;
    fb.recv_kbps = leaving / dt_s;
    return fb;
  }
  double delayMs() const { return queued_kbit / capacity * 1000; }
};

// `steps` feedbacks 100 ms apart from `link` to `c` (with the link's queue as the measured one
// when `measured`); the link's queueing delays and the targets from 2 s on, each sorted.
struct CapRun {
  std::vector<double> delays;
  std::vector<int> targets;
};
CapRun runOn(Link& link, Controller& c, Clock::time_point& t, int steps, bool measured) {
  CapRun run;
  for (int i = 0; i < steps; ++i) {
    t += milliseconds(100);
    Feedback fb = link.step(t, c.targetKbps());
    if (measured) fb.queue_delay_ms = link.delayMs();
    c.onFeedback(fb);
    if (i >= 20) {
      run.delays.push_back(link.delayMs());
      run.targets.push_back(c.targetKbps());
    }
  }
  std::sort(run.delays.begin(), run.delays.end());
  std::sort(run.targets.begin(), run.targets.end());
  return run;
}

TEST(Controller, StartsAtTheStartRateClampedToTheLimits) {
  const auto t0 = Clock::time_point{};
  EXPECT_EQ(Controller({200, 8000, 8000}, t0).targetKbps(), 8000);
  EXPECT_EQ(Controller({200, 8000, 20000}, t0).targetKbps(), 8000);
  EXPECT_EQ(Controller({200, 8000, 50}, t0).targetKbps(), 200);
  EXPECT_EQ(Controller({500, 100, 50}, t0).targetKbps(), 500) << "max below min: min wins";
}

TEST(Controller, CleanLinkStaysAtTheConfiguredRate) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  for (int i = 0; i < 100; ++i) {
    t += milliseconds(100);
    c.onFeedback({t, 8000, 7990 + (i % 3) * 10.0, 0});
  }
  EXPECT_EQ(c.targetKbps(), 8000);
  EXPECT_FALSE(c.limited());
  EXPECT_EQ(c.capacityKbps(), 0) << "never congested";
}

TEST(Controller, FollowsACapWithAShortQueueAndRecoversWhenItIsLifted) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  Link link;
  link.capacity = 3000;
  // 20 s under a 3 Mbit/s cap.
  const CapRun run = runOn(link, c, t, 200, false);
  EXPECT_LE(run.delays[run.delays.size() * 95 / 100], 150) << "queueing delay p95 after 2 s";
  EXPECT_GE(run.targets.front(), 1500) << "does not collapse";
  EXPECT_LE(run.targets.back(), 3600) << "does not overshoot the cap by much";
  EXPECT_TRUE(c.limited());
  EXPECT_NEAR(c.capacityKbps(), 3000, 300);
  EXPECT_GE(c.decreases().delay, 1U) << "the queue's growth is what lowered it";
  // Lifted: back to >= 90 % of the configured rate within 5 s.
  link.capacity = 100000;
  int recovered_after_ms = -1;
  for (int i = 1; i <= 100; ++i) {
    t += milliseconds(100);
    c.onFeedback(link.step(t, c.targetKbps()));
    if (recovered_after_ms < 0 && c.targetKbps() >= 7200) recovered_after_ms = i * 100;
  }
  EXPECT_GT(recovered_after_ms, 0);
  EXPECT_LE(recovered_after_ms, 5000);
  EXPECT_EQ(c.targetKbps(), 8000);
}

// An encoder that sends 60 % of its target (x264 on desktop content) under a 3 Mbit/s cap, with
// the queue measured per packet, and its frames' packet trains measuring the path (or not).
struct ShareRun {
  double delay_p95 = 0;  // the link's queueing delay from 2 s on
  int max_target = 0;
  uint64_t decreases = 0;
  int lift_ms = -1;  // from the lift to 7200 kbit/s
};
ShareRun underACapWithAShare(bool trains) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  Link link;
  link.capacity = 3000;
  std::vector<double> delays;
  ShareRun run;
  auto step = [&](double share) {
    t += milliseconds(100);
    // Busier content every 3 s: the encoder then spends its whole target for a second.
    Feedback fb = link.step(t, share * c.targetKbps());
    fb.queue_delay_ms = link.delayMs();
    if (trains) fb.burst_kbps = link.capacity;
    c.onFeedback(fb);
  };
  for (int i = 0; i < 200; ++i) {
    step(i % 30 < 20 ? 0.6 : 1.0);
    if (i >= 20) {
      delays.push_back(link.delayMs());
      run.max_target = std::max(run.max_target, c.targetKbps());
    }
  }
  std::sort(delays.begin(), delays.end());
  run.delay_p95 = delays[delays.size() * 95 / 100];
  run.decreases = c.decreases().delay;
  link.capacity = 100000;
  for (int i = 1; i <= 100 && run.lift_ms < 0; ++i) {
    step(0.6);
    if (c.targetKbps() >= 7200) run.lift_ms = i * 100;
  }
  return run;
}

TEST(Controller, AfterCongestionTheRiseStopsAtThePathsMeasuredRate) {
  const ShareRun with = underACapWithAShare(true);
  const ShareRun without = underACapWithAShare(false);
  std::printf("  trains: delay p95 %.0f ms, target up to %d, %llu decreases, lift %d ms\n",
              with.delay_p95, with.max_target, static_cast<unsigned long long>(with.decreases),
              with.lift_ms);
  std::printf("  none:   delay p95 %.0f ms, target up to %d, %llu decreases, lift %d ms\n",
              without.delay_p95, without.max_target,
              static_cast<unsigned long long>(without.decreases), without.lift_ms);
  EXPECT_LE(with.max_target, 3000) << "0.9 x 3000, or what the path carried";
  EXPECT_GT(without.max_target, 3500) << "without the trains it climbs past the cap";
  EXPECT_LT(with.decreases, without.decreases);
  EXPECT_LT(with.delay_p95, without.delay_p95);
  EXPECT_GT(with.lift_ms, 0);
  EXPECT_LE(with.lift_ms, 5000) << "a lifted cap shows in the trains: back within 5 s";
}

// `n` feedbacks 100 ms apart from a path with no queue that carries what is sent (`share` of
// the target), its trains reading `burst` kbit/s.
void uncongested(Controller& c, Clock::time_point& t, int n, double share, double burst) {
  for (int i = 0; i < n; ++i) {
    t += milliseconds(100);
    Feedback fb{t, share * c.targetKbps(), share * c.targetKbps(), 0};
    fb.queue_delay_ms = 0;
    fb.burst_kbps = burst;
    c.onFeedback(fb);
  }
}

// A measured queue that grows until the controller makes one delay decrease.
void oneDelayDecrease(Controller& c, Clock::time_point& t, std::optional<double> burst) {
  for (int i = 0; i < 10 && c.decreases().delay == 0; ++i) {
    t += milliseconds(100);
    Feedback fb{t, 8000, 4000, 0};
    fb.queue_delay_ms = 40.0 + 20 * i;
    fb.burst_kbps = burst;
    c.onFeedback(fb);
  }
}

TEST(Controller, TheTrainsRateIsNoCeilingWithoutCongestionNorLongAfterIt) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 2000}, t);
  // A path whose jitter spreads the frames' packets (the trains read 2 Mbit/s) but which carries
  // 8 Mbit/s without a queue: nothing has shown congestion, so the trains are not a ceiling.
  uncongested(c, t, 60, 0.9, 2000);
  EXPECT_EQ(c.targetKbps(), 8000);
  // A queue grows: a delay decrease; for 30 s the trains' 2 Mbit/s are the ceiling (or what
  // the path carries, if more).
  oneDelayDecrease(c, t, 2000);
  ASSERT_EQ(c.decreases().delay, 1u);
  const int after = c.targetKbps();
  uncongested(c, t, 100, 0.6, 2000);
  // (It may rise while the median of what arrived still holds the 4000 of the decrease.)
  EXPECT_LE(c.targetKbps(), after * 1.05);
  EXPECT_EQ(c.reason(), "ceiling");
  // 30 s after the decrease, no longer.
  uncongested(c, t, 250, 0.6, 2000);
  EXPECT_EQ(c.targetKbps(), 8000);
  // An unbounded train (no bottleneck seen) is no ceiling either.
  Controller d({200, 8000, 8000}, t);
  oneDelayDecrease(d, t, std::nullopt);
  ASSERT_EQ(d.decreases().delay, 1u);
  uncongested(d, t, 100, 0.6, std::numeric_limits<double>::infinity());
  EXPECT_EQ(d.targetKbps(), 8000);
}

TEST(Controller, StepDownTo1500AndBackUp) {
  auto t = Clock::time_point{};
  Controller c({200, 10000, 10000}, t);
  Link link;
  link.capacity = 1500;
  for (int i = 0; i < 100; ++i) {
    t += milliseconds(100);
    c.onFeedback(link.step(t, c.targetKbps()));
  }
  EXPECT_LE(c.targetKbps(), 1700);
  EXPECT_GE(c.targetKbps(), 900);
  link.capacity = 10000;
  for (int i = 0; i < 100; ++i) {
    t += milliseconds(100);
    c.onFeedback(link.step(t, c.targetKbps()));
  }
  EXPECT_GE(c.targetKbps(), 9000);
}

// At 10 fps on a 3 Mbit/s link each frame takes tens of ms to cross, and rates summed over a
// window that ends on a frame's last packet read 10-20 % "received more slowly than sent"
// (the bias that held real runs near 0.9 Mbit/s). The measured queue says there is none.
TEST(Controller, ABurstBiasInTheRatesIsNoQueueWhenTheQueueIsMeasured) {
  auto t = Clock::time_point{};
  Controller measured({200, 8000, 2000}, t);
  Controller estimated({200, 8000, 2000}, t);
  for (int i = 0; i < 100; ++i) {  // 10 s
    t += milliseconds(100);
    Feedback fb{t, 2000, 2000 / 1.15, 0};
    estimated.onFeedback(fb);
    fb.sent_kbps = measured.targetKbps();
    fb.recv_kbps = fb.sent_kbps / 1.15;
    fb.queue_delay_ms = (i % 3) * 0.5;  // under a millisecond: no queue
    measured.onFeedback(fb);
  }
  EXPECT_LT(estimated.targetKbps(), 2000) << "the rates alone read the bias as a queue";
  EXPECT_GE(estimated.decreases().delay, 1U);
  EXPECT_EQ(measured.decreases().delay, 0U);
  EXPECT_GT(measured.targetKbps(), 2000) << "no queue: it probes upwards";
}

// The measured queue of a capped link (what DelayTracker reports): the target follows the cap
// closely, without a standing queue, and comes back when the cap is lifted.
TEST(Controller, FollowsACapFromTheMeasuredQueue) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  Link link;
  link.capacity = 3000;
  const CapRun run = runOn(link, c, t, 200, true);  // 20 s under the cap
  EXPECT_LE(run.delays[run.delays.size() * 95 / 100], 150) << "queueing delay p95 after 2 s";
  EXPECT_GE(run.targets[run.targets.size() / 2], 2100)
      << "the median target: 70 % of the cap or more";
  EXPECT_LE(run.targets[run.targets.size() * 95 / 100], 3600);
  EXPECT_GE(c.decreases().delay, 1U);
  link.capacity = 100000;
  runOn(link, c, t, 50, true);  // 5 s lifted
  EXPECT_GE(c.targetKbps(), 7200) << ">= 90 % of the configured rate within 5 s";
}

// With the queue measured, a receiver report's round trip (up to a second old, and taken while
// a queue that has since drained was there) lowers nothing; a measured standing queue does.
TEST(Controller, AMeasuredQueueOutranksTheReceiverReportsRoundTrip) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 4000}, t);
  c.onRtt(t, 10);
  t += milliseconds(500);
  c.onRtt(t, 400);  // taken under a cap that was lifted since
  for (int i = 0; i < 10; ++i) {
    t += milliseconds(100);
    Feedback fb{t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0};
    fb.queue_delay_ms = 1;
    c.onFeedback(fb);
  }
  EXPECT_EQ(c.decreases().rtt + c.decreases().delay, 0U) << "the stale round trip lowers nothing";
  EXPECT_GT(c.targetKbps(), 4000);
  const int before = c.targetKbps();
  for (int i = 0; i < 10; ++i) {  // a 150 ms queue for a second
    t += milliseconds(100);
    Feedback fb{t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0};
    fb.queue_delay_ms = 150;
    c.onFeedback(fb);
  }
  const auto standing = c.decreases().delay;
  EXPECT_GE(standing, 2U) << "growing, then standing: decreases";
  EXPECT_LE(standing, 3U) << "at most one per reaction time (the 400 ms round trip)";
  EXPECT_LE(c.targetKbps(), static_cast<int>(0.86 * 0.86 * before));
  // The queue drains (by 20 ms per 100 ms): no decrease while it does.
  for (int i = 0; i < 7; ++i) {
    t += milliseconds(100);
    Feedback fb{t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0};
    fb.queue_delay_ms = 130 - 20 * i;
    c.onFeedback(fb);
  }
  EXPECT_EQ(c.decreases().delay, standing) << "a draining queue is left to drain";
}

// The path gets 50 ms longer (a relay, a route change) with a few ms of jitter: until the 10 s
// base window forgets the shorter path, DelayTracker reports 50 ms of "queue" that does not
// grow. The step reads as growth while the smoothed figure climbs to it (0.6 s: two decreases
// at most, 300 ms apart); then the target rises again.
TEST(Controller, AStepInThePathsDelayIsNotAStandingQueue) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 3000}, t);
  uint32_t seed = 7;
  auto jitter = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<double>(seed >> 8) / (1u << 24) * 6 - 3;  // +-3 ms
  };
  for (int i = 0; i < 150; ++i) {  // 15 s at 100 ms feedback: 0 ms, then 50 ms from 1 s on
    t += milliseconds(100);
    Feedback fb{t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0};
    fb.queue_delay_ms = std::max(0.0, (i >= 10 ? 50.0 : 0.0) + jitter());
    c.onFeedback(fb);
  }
  EXPECT_LE(c.decreases().delay, 2U);
  EXPECT_EQ(c.decreases().rtt + c.decreases().loss, 0U);
  EXPECT_GT(c.targetKbps(), 3000) << "it rose again";
}

TEST(Controller, RandomLossBelowTenPercentIsNotCongestion) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  for (int i = 0; i < 300; ++i) {
    t += milliseconds(100);
    const double loss = (i % 5 == 0) ? 0.06 : 0.01;  // 2 % on average, bursty
    c.onFeedback({t, 8000, 8000 * (1 - loss), loss});
  }
  EXPECT_GE(c.targetKbps(), 7600);
  EXPECT_EQ(c.trend(), Trend::kHold) << "2 % loss holds the rate";
}

TEST(Controller, HeavyLossLowersTheRateOnceASecond) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  int decreases = 0;
  int last = c.targetKbps();
  for (int i = 0; i < 30; ++i) {  // 3 s of 25 % loss
    t += milliseconds(100);
    c.onFeedback({t, 8000 * 0.75, 8000 * 0.75, 0.25});
    if (c.targetKbps() < last) ++decreases;
    last = c.targetKbps();
  }
  EXPECT_LT(c.targetKbps(), 6500);
  EXPECT_LE(decreases, 3) << "at most one loss decrease per second";
  EXPECT_EQ(c.reason(), "loss");
  EXPECT_EQ(c.decreases().loss, static_cast<uint64_t>(decreases)) << "each decrease counted";
  EXPECT_EQ(c.decreases().delay + c.decreases().rtt, 0U);
}

TEST(Controller, AStandingQueueInTheRoundTripLowersTheRate) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  c.onRtt(t, 20);
  t += milliseconds(1000);
  c.onRtt(t, 22);
  t += milliseconds(100);
  c.onFeedback({t, 8000, 8000, 0});
  EXPECT_EQ(c.targetKbps(), 8000);
  c.onRtt(t, 180);  // the queue filled and stays full: received == sent, but 160 ms late
  t += milliseconds(100);
  c.onFeedback({t, 8000, 8000, 0});
  EXPECT_EQ(c.reason(), "rtt");
  EXPECT_LE(c.targetKbps(), 6800);
  EXPECT_EQ(c.rttMs(), 180);
  EXPECT_EQ(c.decreases().rtt, 1U);
  EXPECT_EQ(c.decreases().delay + c.decreases().loss, 0U);
}

TEST(Controller, OneRoundTripReportCausesOneDecrease) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  c.onRtt(t, 10);
  t += milliseconds(500);
  c.onRtt(t, 200);  // one report of a standing queue, then 2 s without another
  int lowest = c.targetKbps();
  for (int i = 0; i < 20; ++i) {
    t += milliseconds(100);
    c.onFeedback({t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0});
    lowest = std::min(lowest, c.targetKbps());
  }
  EXPECT_EQ(lowest, 6800) << "0.85 x 8000 once, not once per reaction time";
}

TEST(Controller, OneDecreasePerReactionTime) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  t += milliseconds(100);
  c.onFeedback({t, 8000, 1000, 0});
  const int first = c.targetKbps();
  EXPECT_EQ(first, 850);
  EXPECT_EQ(c.trend(), Trend::kDecrease);
  t += milliseconds(100);
  c.onFeedback({t, 850, 250, 0});  // within 300 ms: the first decrease has not acted yet
  EXPECT_EQ(c.targetKbps(), first);
  t += milliseconds(300);
  c.onFeedback({t, 850, 250, 0});
  EXPECT_EQ(c.targetKbps(), 212);
}

TEST(Controller, AStaticScreenProbesNothing) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  t += milliseconds(100);
  c.onFeedback({t, 8000, 2000, 0});  // congested once: 1700
  EXPECT_EQ(c.targetKbps(), 1700);
  // Then a static screen sends little: the queue drains at the path's 2000 kbit/s, then what is
  // sent arrives as it is sent.
  for (int i = 0; i < 100; ++i) {
    t += milliseconds(100);
    c.onFeedback({t, 300, i < 3 ? 2000.0 : 300.0, 0});
  }
  EXPECT_LE(c.targetKbps(), 1700);
  EXPECT_GE(c.targetKbps(), 1400) << "a trickle is not the path's capacity";
  EXPECT_EQ(c.reason(), "app-limited");
}

TEST(Controller, AnEncoderThatSendsLessThanTheTargetStillLetsItRise) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  t += milliseconds(100);
  c.onFeedback({t, 8000, 1000, 0});  // congested: 850
  for (int i = 0; i < 150; ++i) {
    t += milliseconds(100);
    // A CPU-bound encoder sends 70 % of the target, all of which arrives (at the path's 1000
    // while the queue from the congestion drains).
    const double sent = 0.7 * c.targetKbps();
    c.onFeedback({t, sent, c.queueMs() > 10 ? 1000.0 : sent, 0});
  }
  EXPECT_EQ(c.targetKbps(), 8000) << "what it sends keeps arriving: it may rise all the way";
  Controller d({200, 8000, 8000}, t);
  t += milliseconds(100);
  d.onFeedback({t, 8000, 1000, 0});
  for (int i = 0; i < 100; ++i) {
    t += milliseconds(100);
    // Sends a steady 600 whatever the target.
    d.onFeedback({t, 600, d.queueMs() > 10 ? 1000.0 : 600, 0});
  }
  EXPECT_LE(d.targetKbps(), 2500) << "holds once 600 is under a quarter of the target";
}

// TWCC's windowed rates at a low frame rate: each 300 ms window holds two or three frames, and
// where the window's edges cut them on the send and the receive side differs, so the sent and
// received figures swing by tens of percent around the true rate. That noise must not add up
// to a queue: a bench run under a 3 Mbit/s cap kept stepping the target down (425, 349, 275,
// 257 kbit/s) with a round trip of 1 ms and no latency growing. With the plain ratio of the two
// figures (biased above 1), the estimate cut back to the overuse threshold after a decrease and
// one window's received rate as the base, this went to 662 (±15 %) and the 200 floor (±30 %).
TEST(Controller, WindowNoiseAtALowFrameRateIsNotAQueue) {
  struct Case {
    double noise;
    int lowest_at_least;
    int median_at_least;  // over the last 10 s
  };
  for (const Case& k : {Case{0.15, 1200, 2000}, Case{0.3, 800, 2000}}) {
    auto t = Clock::time_point{};
    Controller c({200, 8000, 8000}, t);
    unsigned seed = 12345;
    auto uniform = [&seed] {  // deterministic, in [-1, 1]
      seed = seed * 1103515245u + 12345u;
      return static_cast<double>((seed >> 8) % 20001) / 10000.0 - 1.0;
    };
    Link link;
    link.capacity = 3000;
    int lowest = c.targetKbps();
    std::vector<int> last;
    for (int i = 0; i < 300; ++i) {  // 30 s under a 3 Mbit/s cap
      t += milliseconds(100);
      Feedback fb = link.step(t, c.targetKbps());
      fb.sent_kbps *= 1 + k.noise * uniform();
      fb.recv_kbps *= 1 + k.noise * uniform();
      c.onFeedback(fb);
      if (i >= 20) lowest = std::min(lowest, c.targetKbps());
      if (i >= 200) last.push_back(c.targetKbps());
    }
    std::sort(last.begin(), last.end());
    EXPECT_GE(lowest, k.lowest_at_least) << "noise ±" << k.noise << ": the target ratchets down";
    EXPECT_GE(last[last.size() / 2], k.median_at_least)
        << "noise ±" << k.noise << ": far under the cap";
  }
}

TEST(Controller, BadSamplesAreIgnored) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Feedback fb : {Feedback{t, nan, 1, 0}, Feedback{t, 8000, nan, 0}, Feedback{t, 8000, -5, 0},
                      Feedback{t, 8000, 8000, nan}, Feedback{t, 0, 0, 0}, Feedback{t, 10, 0, 0}}) {
    t += milliseconds(100);
    fb.at = t;
    EXPECT_EQ(c.onFeedback(fb), 8000);
  }
  c.onRtt(t, nan);
  c.onRtt(t, -1);
  EXPECT_FALSE(c.rttMs());
  // Time going backwards does not increase anything.
  c.onFeedback({t - std::chrono::seconds(10), 8000, 8000, 0});
  EXPECT_EQ(c.targetKbps(), 8000);
}

TEST(Controller, AStallLowersTheTargetToItsBoundAtMostByHalf) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  // A bound over the target says nothing (a large frame on a path that carries the target).
  t += milliseconds(1000);
  EXPECT_EQ(c.onStall(t, 20000), 8000);
  EXPECT_EQ(c.decreases().stall, 0u);
  // A bound of 6000 kbit/s: 0.85 x 6000.
  t += milliseconds(1000);
  EXPECT_EQ(c.onStall(t, 6000), 5100);
  EXPECT_EQ(c.reason(), "stall");
  EXPECT_EQ(c.trend(), Trend::kDecrease);
  // A bound far under the target (a long stall): half the target, not the bound.
  t += milliseconds(1000);
  EXPECT_EQ(c.onStall(t, 100), 2550);
  // Within the reaction time of that decrease, nothing more.
  t += milliseconds(100);
  EXPECT_EQ(c.onStall(t, 100), 2550);
  EXPECT_EQ(c.decreases().stall, 2u);
  EXPECT_EQ(c.decreases().delay, 0u);
  EXPECT_EQ(c.capacityKbps(), 0) << "a bound is not a measured capacity";
  // Down to the floor, never under it.
  for (int i = 0; i < 10; ++i) {
    t += milliseconds(1000);
    c.onStall(t, 0);
  }
  EXPECT_EQ(c.targetKbps(), 200);
  // Nonsense is ignored.
  Controller d({200, 8000, 8000}, t);
  EXPECT_EQ(d.onStall(t + milliseconds(1000), std::numeric_limits<double>::quiet_NaN()), 8000);
  EXPECT_EQ(d.onStall(t + milliseconds(2000), -1), 8000);
  EXPECT_EQ(d.onStall(t + milliseconds(3000), std::numeric_limits<double>::infinity()), 8000);
}

TEST(Controller, TheConfiguredRateIsTheCeiling) {
  auto t = Clock::time_point{};
  Controller c({200, 8000, 8000}, t);
  c.setMaxKbps(4000);
  EXPECT_EQ(c.targetKbps(), 4000);
  c.setMaxKbps(12000);
  for (int i = 0; i < 50; ++i) {
    t += milliseconds(100);
    c.onFeedback({t, static_cast<double>(c.targetKbps()), static_cast<double>(c.targetKbps()), 0});
  }
  EXPECT_EQ(c.targetKbps(), 12000) << "rises to the new ceiling";
}

// A capped path under an encoder that uses the target: 1080p of moving text (150 kbit per frame
// at most), the quality ladder choosing the frame rate from the target, and a 3 Mbit/s tbf
// bottleneck whose queue is measured, for a minute; then the cap is lifted. Rising at 40 %/s
// past the path's capacity, the target overshoots it by the time the queue says so, and each
// overshoot is a peak of queueing delay and a deep decrease.
struct LadderRun {
  double p95_delay_ms = 0;  // from 5 s on
  double max_delay_ms = 0;
  uint64_t decreases = 0;
  int median_sent = 0;
  double lifted_s = 0;  // from the lift until the target is at 90 % of the configured 8000
};
// `usage`: the share of the target the encoder sends at most (x264 sent 55-70 % of it in the
// bench: content that needs less leaves part of each second's budget unused).
// `lift_after`: 100 ms steps under the cap before the lift (where in the sawtooth it falls).
LadderRun ladderUnderACap(double usage, int lift_after = 600) {
  auto t = Clock::time_point{};
  Controller c({100, 8000, 8000}, t);
  Link link;
  link.capacity = 3000;
  QualityLadder ladder(LadderSettings{});
  std::vector<double> delays;
  std::vector<int> sent_all;
  auto step = [&] {
    t += milliseconds(100);
    const Quality q = ladder.update(c.targetKbps(), t);
    const double sent = std::min<double>(usage * c.targetKbps(), 150.0 * q.fps);
    Feedback fb = link.step(t, sent);
    fb.queue_delay_ms = link.delayMs();
    c.onFeedback(fb);
    return sent;
  };
  for (int i = 0; i < lift_after; ++i) {
    const double sent = step();
    if (i >= 50) {
      delays.push_back(link.delayMs());
      sent_all.push_back(static_cast<int>(sent));
    }
  }
  std::sort(delays.begin(), delays.end());
  std::sort(sent_all.begin(), sent_all.end());
  LadderRun run{delays[delays.size() * 95 / 100], delays.back(), c.decreases().delay,
                sent_all[sent_all.size() / 2]};
  link.capacity = 100000;
  int steps = 0;
  while (c.targetKbps() < 7200 && steps < 200) {
    step();
    ++steps;
  }
  run.lifted_s = steps / 10.0;
  return run;
}

TEST(Controller, SendingAboutThePathsCapacityTheTargetRisesSlowly) {
  // An encoder that sends the whole target (as NVENC's CBR does). With 40 %/s past the capacity
  // (before): p95 60.5 ms, peaks of 78 ms, 33 decreases in the minute and a median of 2377
  // kbit/s sent (79 % of the path). Now 38.7, 47.5, 21 and 2691 (90 %); 3.2 s from the lift to
  // 7200 (2.4 before).
  const LadderRun full = ladderUnderACap(1.0);
  EXPECT_LE(full.p95_delay_ms, 45) << "queueing delay p95 from 5 s on";
  EXPECT_LE(full.max_delay_ms, 60) << "the highest peak";
  EXPECT_LE(full.decreases, 25U) << "decreases in the minute";
  EXPECT_GE(full.median_sent, 2600) << "the median sent: close to the path's 3000";
  EXPECT_LE(full.lifted_s, 5) << ">= 90 % of the configured rate within 5 s of the lift";
  // One that sends 65 % of it: it reaches 0.95 x the capacity later, so the target spends less
  // time rising slowly. Peaks 54.3 ms, p95 45.0, 2.4 s to 7200; it now rises fast after a
  // decrease too, while it sends under 0.8 x the capacity (before that: 53.5, 35.8 and 1.4 s,
  // with a median of 1989 kbit/s sent against 2278 now).
  const LadderRun part = ladderUnderACap(0.65);
  EXPECT_LE(part.p95_delay_ms, 50);
  EXPECT_LE(part.max_delay_ms, 60);
  EXPECT_LE(part.lifted_s, 5);
  EXPECT_GE(part.median_sent, 2100);
}

// Wherever in the sawtooth the cap is lifted (60 lift times 100 ms apart, longer than a
// sawtooth), an encoder that sends 55-80 % of its target (x264 in the bench) is back at 90 % of
// the configured rate within 5 s. With 2 s of slow rise after every decrease, whatever the
// encoder sent, a lift just after a decrease took up to 5.1, 5.1 and 5.3 s for 55, 65 and 80 %;
// rising fast after a decrease while the encoder sends under 0.8 x the capacity, 4.1, 4.3 and
// 4.5 s. (An encoder that sends its whole target still takes up to 5.2 s here: after a
// decrease it sends 0.85 x the capacity and rises slowly up to 1.05 x it.)
TEST(Controller, WhereverInTheSawtoothTheCapIsLiftedTheRateIsBackWithin5s) {
  for (double usage : {0.55, 0.65, 0.8}) {
    double longest = 0;
    for (int extra = 0; extra < 60; ++extra) {
      longest = std::max(longest, ladderUnderACap(usage, 300 + extra).lifted_s);
    }
    std::printf("encoder sends %.0f %% of the target: at most %.1f s from the lift to 7200\n",
                usage * 100, longest);
    EXPECT_LE(longest, 4.7) << "usage " << usage;
  }
}

}  // namespace
}  // namespace ds::congestion
