#include "metrics/selkies.hpp"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ds::metrics {

std::string labelName(const std::string& selkies_name) {
  std::string out;
  out.reserve(selkies_name.size() + 1);
  for (char c : selkies_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "_");
  if (out.rfind("__", 0) == 0) out.insert(0, "x");  // "__" names are reserved by Prometheus
  return out;
}

void SelkiesFamilies::pythonBucketLabels(std::string& text) {
  for (const char* bound : {"0", "20", "40", "60"}) {
    const std::string from = std::string("fps_hist_bucket{le=\"") + bound + "\"}";
    const std::string to = std::string("fps_hist_bucket{le=\"") + bound + ".0\"}";
    if (const size_t at = text.find(from); at != std::string::npos)
      text.replace(at, from.size(), to);
  }
}

SelkiesFamilies::SelkiesFamilies(prometheus::Registry& registry)
    : registry_(registry),
      fps_(prometheus::BuildGauge()
               .Name("fps")
               .Help("Frames per second observed by client")
               .Register(registry)
               .Add({})),
      fps_hist_(prometheus::BuildHistogram()
                    .Name("fps_hist")
                    .Help("Histogram of FPS observed by client")
                    .Register(registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0, 20, 40, 60})),
      latency_(prometheus::BuildGauge()
                   .Name("latency")
                   .Help("Latency observed by client")
                   .Register(registry)
                   .Add({})),
      statistics_(prometheus::BuildGauge()
                      .Name("webrtc_statistics_info")
                      .Help("WebRTC Statistics from the client")
                      .Register(registry)),
      statistics_series_(&statistics_.Add({})) {
  statistics_series_->Set(1);
}

void SelkiesFamilies::setFps(double fps) {
  fps_.Set(fps);
  fps_hist_.Observe(fps);
}

void SelkiesFamilies::setLatencyMs(double ms) { latency_.Set(ms); }

void SelkiesFamilies::setGpuUtilization(double percent) {
  if (gpu_utilization_ == nullptr) {
    gpu_family_ = &prometheus::BuildGauge()
                       .Name("gpu_utilization")
                       .Help("Utilization percentage reported by GPU")
                       .Register(registry_);
    gpu_utilization_ = &gpu_family_->Add({});
  }
  gpu_utilization_->Set(percent);
}

void SelkiesFamilies::setWebrtcStatistics(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  prometheus::Labels labels;
  for (const auto& [name, value] : fields) labels.emplace(labelName(name), value);
  statistics_.Remove(statistics_series_);
  statistics_series_ = &statistics_.Add(labels);
  statistics_series_->Set(1);
}

}  // namespace ds::metrics
