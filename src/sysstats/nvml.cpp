#include "sysstats/nvml.hpp"

#include <dlfcn.h>

#include <type_traits>

namespace ds::sysstats {
namespace {

// The few NVML declarations used (nvml.h, stable C ABI since NVML 2.x); the header is not needed.
using NvmlReturn = int;
constexpr NvmlReturn kNvmlSuccess = 0;
struct NvmlUtilization {
  unsigned int gpu;
  unsigned int memory;
};
struct NvmlMemory {
  unsigned long long total;  // NOLINT(google-runtime-int): NVML's type
  unsigned long long free;   // NOLINT(google-runtime-int)
  unsigned long long used;   // NOLINT(google-runtime-int)
};
constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

struct Nvml::Api {
  NvmlReturn (*init)();
  NvmlReturn (*shutdown)();
  NvmlReturn (*handle_by_index)(unsigned int, void**);
  NvmlReturn (*name)(void*, char*, unsigned int);
  NvmlReturn (*utilization)(void*, NvmlUtilization*);
  NvmlReturn (*memory)(void*, NvmlMemory*);
};

Result<std::unique_ptr<Nvml>> Nvml::open(unsigned index) {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return fail("libnvidia-ml.so.1 not found (no NVIDIA driver)");
  std::unique_ptr<Nvml> n(new Nvml());
  n->library_ = lib;
  n->api_ = std::make_unique<Api>();
  Api& a = *n->api_;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
    return fn != nullptr;
  };
  if (!sym(a.init, "nvmlInit_v2") || !sym(a.shutdown, "nvmlShutdown") ||
      !sym(a.handle_by_index, "nvmlDeviceGetHandleByIndex_v2") ||
      !sym(a.name, "nvmlDeviceGetName") || !sym(a.utilization, "nvmlDeviceGetUtilizationRates") ||
      !sym(a.memory, "nvmlDeviceGetMemoryInfo")) {
    return fail("libnvidia-ml.so.1 lacks the NVML functions used");
  }
  if (a.init() != kNvmlSuccess) return fail("NVML did not initialise (no NVIDIA GPU usable)");
  n->initialised_ = true;
  if (a.handle_by_index(index, &n->device_) != kNvmlSuccess) {
    return fail("no NVIDIA GPU with index " + std::to_string(index));
  }
  char name[96] = {};
  if (a.name(n->device_, name, sizeof name) == kNvmlSuccess) n->name_ = name;
  return n;
}

Nvml::~Nvml() {
  if (initialised_) api_->shutdown();
  if (library_ != nullptr) dlclose(library_);
}

std::optional<GpuSample> Nvml::sample() {
  NvmlUtilization u{};
  NvmlMemory m{};
  if (api_->utilization(device_, &u) != kNvmlSuccess) return std::nullopt;
  if (api_->memory(device_, &m) != kNvmlSuccess) return std::nullopt;
  return GpuSample{u.gpu / 100.0, static_cast<double>(m.total) / kMiB,
                   static_cast<double>(m.used) / kMiB};
}

}  // namespace ds::sysstats
