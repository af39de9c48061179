// Host CPU and memory figures as Selkies reports them in `system_stats` (it uses psutil), from the
// text of /proc/stat and /proc/meminfo. Pure: the reading is in monitor.cpp.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace ds::sysstats {

// The aggregate "cpu" line of /proc/stat, in clock ticks.
struct CpuTimes {
  uint64_t total = 0;  // every state except guest/guest_nice (already inside user/nice)
  uint64_t idle = 0;   // idle + iowait
};
Result<CpuTimes> parseProcStat(std::string_view text);

// psutil.cpu_percent(): the busy share of the time between two readings, in percent rounded to
// one decimal; 0 when no time passed.
double cpuPercent(const CpuTimes& before, const CpuTimes& after);

// psutil.virtual_memory() on Linux: total = MemTotal; used = MemTotal - MemFree - Buffers -
// (Cached + SReclaimable), or MemTotal - MemFree if that is negative. In bytes.
struct Memory {
  uint64_t total = 0;
  uint64_t used = 0;
};
Result<Memory> parseMeminfo(std::string_view text);

}  // namespace ds::sysstats
