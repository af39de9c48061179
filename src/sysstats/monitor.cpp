#include "sysstats/monitor.hpp"

#include <exception>
#include <string>
#include <utility>

#include "core/log.hpp"

namespace ds::sysstats {
namespace {

constexpr const char* kLog = "sysstats";

Result<std::string> readFile(const char* path) {
  gchar* data = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path, &data, &size, nullptr)) {
    return fail(std::string("cannot read ") + path);
  }
  std::string text(data, size);
  g_free(data);
  return text;
}

gboolean onTimer(gpointer self) {
  try {
    static_cast<Monitor*>(self)->tick();
  } catch (const std::exception& e) {
    log::error(kLog, std::string("sampling failed: ") + e.what());
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

Monitor::Monitor(unsigned gpu_index, Callback on_sample) : on_sample_(std::move(on_sample)) {
  if (auto gpu = Nvml::open(gpu_index)) {
    gpu_ = std::move(*gpu);
    log::info(kLog, "GPU statistics from NVML: GPU " + std::to_string(gpu_index) + " (" +
                        gpu_->name() + "); gpu_stats sent to the page");
  } else {
    log::info(kLog, "no GPU statistics: " + gpu.error().message + "; gpu_stats not sent");
  }
  timer_ = g_timeout_add(kPeriodMs, &onTimer, this);
}

Monitor::~Monitor() {
  if (timer_ != 0) g_source_remove(timer_);
}

void Monitor::tick() {
  auto stat = readFile("/proc/stat");
  auto meminfo = readFile("/proc/meminfo");
  Result<CpuTimes> cpu = fail("unread");
  Result<Memory> memory = fail("unread");
  std::string error;
  if (!stat || !meminfo) {
    error = (!stat ? stat.error() : meminfo.error()).message;
  } else if (cpu = parseProcStat(*stat), memory = parseMeminfo(*meminfo); !cpu || !memory) {
    error = (!cpu ? cpu.error() : memory.error()).message;
  }
  if (!error.empty()) {
    if (!read_error_logged_) log::warn(kLog, "system_stats not sent: " + error);
    read_error_logged_ = true;
    return;
  }
  Sample s;
  s.cpu_percent = last_cpu_ ? cpuPercent(*last_cpu_, *cpu) : 0.0;
  last_cpu_ = *cpu;
  s.memory = *memory;
  if (gpu_) s.gpu = gpu_->sample();
  if (on_sample_) on_sample_(s);
}

}  // namespace ds::sysstats
