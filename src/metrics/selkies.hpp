// The metric families Selkies-GStreamer 1.6 exports (its metrics.py), under the same names with
// the same meaning, so dashboards built for Selkies keep working (docs/metrics.md):
//   fps (gauge), fps_hist (histogram, buckets 0/20/40/60), latency (gauge), gpu_utilization
//   (gauge, percent; only once an NVIDIA GPU was read), webrtc_statistics_info (Selkies' Info:
//   one series, value 1, the page's last getStats() upload flattened into labels).
// Part of metrics::Metrics; not used on its own.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace prometheus {
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace ds::metrics {

// Prometheus label names allow [a-zA-Z_][a-zA-Z0-9_]* only; Selkies' flattened names
// ("inbound-rtp.framesPerSecond") do not fit, so every other character becomes '_' (what
// Prometheus 3 calls the "underscores" escaping). A leading digit or "__" gets a "_"/"x" prefix.
std::string labelName(const std::string& selkies_name);

class SelkiesFamilies {
 public:
  // prometheus-cpp writes bucket bounds as "%g" (le="20"); Python's client writes le="20.0".
  // A dashboard may match le exactly, so the rendered text gets Python's spelling.
  static void pythonBucketLabels(std::string& text);

  explicit SelkiesFamilies(prometheus::Registry& registry);
  void setFps(double fps);  // also observed into fps_hist
  void setLatencyMs(double ms);
  void setGpuUtilization(double percent);
  // Replaces webrtc_statistics_info's labels with these (name, value) pairs. Names are escaped
  // by labelName(); a name that repeats after escaping keeps its first value.
  void setWebrtcStatistics(const std::vector<std::pair<std::string, std::string>>& fields);

 private:
  prometheus::Registry& registry_;
  prometheus::Gauge& fps_;
  prometheus::Histogram& fps_hist_;
  prometheus::Gauge& latency_;
  prometheus::Family<prometheus::Gauge>* gpu_family_ = nullptr;  // registered on first use
  prometheus::Gauge* gpu_utilization_ = nullptr;
  prometheus::Family<prometheus::Gauge>& statistics_;
  prometheus::Gauge* statistics_series_;
};

}  // namespace ds::metrics
