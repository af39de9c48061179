// Samples the host's CPU and memory (and an NVIDIA GPU when NVML finds one) every 500 ms on the
// GLib main loop, as Selkies' system and GPU monitors do (they poll every 0.5 s), and hands each
// sample to a callback (app/ sends `system_stats`/`gpu_stats` and sets `gpu_utilization`).
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <optional>

#include "sysstats/nvml.hpp"
#include "sysstats/proc.hpp"

namespace ds::sysstats {

struct Sample {
  double cpu_percent = 0;
  Memory memory;
  std::optional<GpuSample> gpu;  // only with an NVIDIA GPU
};

class Monitor {
 public:
  static constexpr unsigned kPeriodMs = 500;
  using Callback = std::function<void(const Sample&)>;
  // Looks for the GPU (NVML index `gpu_index`) once, logging one line either way, then samples
  // every kPeriodMs on the default main context until destroyed.
  Monitor(unsigned gpu_index, Callback on_sample);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  bool hasGpu() const { return gpu_ != nullptr; }
  // One sample now (the timer calls this).
  void tick();

 private:
  Callback on_sample_;
  std::unique_ptr<Nvml> gpu_;
  std::optional<CpuTimes> last_cpu_;
  guint timer_ = 0;
  bool read_error_logged_ = false;
};

}  // namespace ds::sysstats
