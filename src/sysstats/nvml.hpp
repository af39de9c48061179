// An NVIDIA GPU's load and memory through NVML, loaded at run time (dlopen libnvidia-ml.so.1),
// so deskstream neither links nor needs it: without the library or a GPU, open() says why.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace ds::sysstats {

struct GpuSample {
  double load = 0;              // 0..1 (NVML utilization.gpu / 100)
  double memory_total_mib = 0;  // MiB, like nvidia-smi and Selkies' GPUtil
  double memory_used_mib = 0;
};

class Nvml {
 public:
  // The GPU with this NVML index (Selkies' SELKIES_GPU_ID); an error says why there is none.
  static Result<std::unique_ptr<Nvml>> open(unsigned index);
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  std::optional<GpuSample> sample();
  const std::string& name() const { return name_; }

  struct Api;

 private:
  Nvml() = default;
  std::unique_ptr<Api> api_;
  void* library_ = nullptr;
  void* device_ = nullptr;
  bool initialised_ = false;
  std::string name_;
};

}  // namespace ds::sysstats
