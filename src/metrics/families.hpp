// Small helpers shared by the metrics implementation files (internal to this module): building
// families, mirroring monotonic totals in counters and removing a connection's series.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>

namespace ds::metrics::detail {

inline prometheus::Family<prometheus::Gauge>& gauges(prometheus::Registry& r, const char* name,
                                                     const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

inline prometheus::Family<prometheus::Counter>& counters(prometheus::Registry& r, const char* name,
                                                         const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

// A counter mirrors a monotonic total kept elsewhere: add what it has not counted yet.
inline void catchUp(prometheus::Counter& counter, uint64_t total) {
  const double missing = static_cast<double>(total) - counter.Value();
  if (missing > 0) counter.Increment(missing);
}

inline prometheus::Labels connectionLabels(int connection) {
  return {{"connection", std::to_string(connection)}};
}

// Removes the series with these labels, if the family has it.
template <typename Family>
void drop(Family& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

}  // namespace ds::metrics::detail
