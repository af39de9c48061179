// system_stats figures computed as psutil computes them, from fixed /proc texts; the monitor on
// this machine's real /proc; NVML absent here (no NVIDIA driver) is an error, not a crash.
#include "sysstats/proc.hpp"

#include <glib.h>
#include <gtest/gtest.h>

#include <vector>

#include "sysstats/monitor.hpp"
#include "sysstats/nvml.hpp"

namespace ds::sysstats {
namespace {

TEST(ProcStat, CpuPercentIsTheBusyShareBetweenReadings) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  auto a = parseProcStat("cpu  100 0 50 800 50 0 0 0 30 0\ncpu0 1 2 3 4\n");
  auto b = parseProcStat("cpu  170 0 80 880 70 0 0 0 60 0\n");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->total, 1000u);  // guest time is inside user already: not counted twice
  EXPECT_EQ(a->idle, 850u);
  // 200 ticks passed, 100 of them idle or waiting for I/O.
  EXPECT_DOUBLE_EQ(cpuPercent(*a, *b), 50.0);
  EXPECT_DOUBLE_EQ(cpuPercent(*a, *a), 0.0) << "no time passed";
  auto c = parseProcStat("cpu  171 0 80 881 71 0 0 0 60 0\n");  // 1 of 3 busy: 33.3 (one decimal)
  EXPECT_DOUBLE_EQ(cpuPercent(*b, *c), 33.3);
  auto old_kernel = parseProcStat("cpu 1 2 3 4\n");  // only the first four columns
  ASSERT_TRUE(old_kernel);
  EXPECT_EQ(old_kernel->total, 10u);
  for (const char* bad : {"", "intr 1 2\n", "cpu  1 x 3 4\n", "cpu  1 2\n"}) {
    EXPECT_FALSE(parseProcStat(bad)) << bad;
  }
}

TEST(ProcMeminfo, UsedAsPsutil) {
  auto m = parseMeminfo(
      "MemTotal:       16000000 kB\nMemFree:         2000000 kB\nMemAvailable:    9000000 kB\n"
      "Buffers:          500000 kB\nCached:          6000000 kB\nSwapCached:            0 kB\n"
      "SReclaimable:     400000 kB\n");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->total, 16000000ull * 1024);
  EXPECT_EQ(m->used, (16000000ull - 2000000 - 500000 - 6000000 - 400000) * 1024);
  // Caches larger than what is not free (containers can show this): total - free.
  auto odd = parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nCached: 5000 kB\n");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->used, 900u * 1024);
  EXPECT_FALSE(parseMeminfo("MemFree: 1 kB\n"));
  EXPECT_FALSE(parseMeminfo(""));
}

TEST(Nvml, WithoutTheDriverOpenSaysWhy) {
  auto gpu = Nvml::open(0);
  if (gpu) {
    GTEST_SKIP() << "an NVIDIA GPU is present here (" << (*gpu)->name()
                 << "): this test checks the case without one";
  }
  EXPECT_FALSE(gpu.error().message.empty());
  std::printf("NVML here: %s\n", gpu.error().message.c_str());
}

TEST(Monitor, SamplesThisMachineEveryHalfSecond) {
  std::vector<Sample> samples;
  Monitor monitor(0, [&](const Sample& s) { samples.push_back(s); });
  const gint64 end = g_get_monotonic_time() + 1300 * 1000;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(5000);
  ASSERT_GE(samples.size(), 2u);
  ASSERT_LE(samples.size(), 3u);
  for (const auto& s : samples) {
    EXPECT_GT(s.memory.total, 0u);
    EXPECT_GT(s.memory.used, 0u);
    EXPECT_LE(s.memory.used, s.memory.total);
    EXPECT_GE(s.cpu_percent, 0.0);
    EXPECT_LE(s.cpu_percent, 100.0);
    EXPECT_EQ(s.gpu.has_value(), monitor.hasGpu());
  }
  std::printf("cpu %.1f %%, memory %llu of %llu bytes used\n", samples.back().cpu_percent,
              static_cast<unsigned long long>(samples.back().memory.used),
              static_cast<unsigned long long>(samples.back().memory.total));
}

}  // namespace
}  // namespace ds::sysstats
