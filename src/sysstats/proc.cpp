#include "sysstats/proc.hpp"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/strings.hpp"

namespace ds::sysstats {
namespace {

std::string_view firstLine(std::string_view text) { return text.substr(0, text.find('\n')); }

}  // namespace

Result<CpuTimes> parseProcStat(std::string_view text) {
  const std::string_view line = firstLine(text);
  if (line.rfind("cpu ", 0) != 0) return fail("/proc/stat does not start with the cpu line");
  std::vector<uint64_t> v;
  for (std::string_view field : split(line.substr(4), ' ')) {
    if (field.empty()) continue;
    const auto n = parseInt(field);
    if (!n || *n < 0) return fail("/proc/stat cpu line has a non-number");
    v.push_back(static_cast<uint64_t>(*n));
  }
  if (v.size() < 4) return fail("/proc/stat cpu line is too short");
  v.resize(10, 0);  // user nice system idle iowait irq softirq steal guest guest_nice
  CpuTimes t;
  for (size_t i = 0; i < 8; ++i) t.total += v[i];
  t.idle = v[3] + v[4];
  return t;
}

double cpuPercent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total) return 0.0;
  const double total = static_cast<double>(after.total - before.total);
  const double idle =
      after.idle >= before.idle ? static_cast<double>(after.idle - before.idle) : 0.0;
  const double busy = std::max(0.0, total - idle);
  return std::round(busy / total * 1000.0) / 10.0;
}

Result<Memory> parseMeminfo(std::string_view text) {
  std::map<std::string, uint64_t, std::less<>> kb;
  for (std::string_view line : split(text, '\n')) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view rest = line.substr(colon + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto n = parseInt(rest.substr(0, rest.find(' ')));
    if (n && *n >= 0) kb.emplace(std::string(line.substr(0, colon)), static_cast<uint64_t>(*n));
  }
  auto get = [&](const char* key) -> uint64_t {
    auto it = kb.find(key);
    return it == kb.end() ? 0 : it->second * 1024;
  };
  if (kb.find("MemTotal") == kb.end() || kb.find("MemFree") == kb.end()) {
    return fail("/proc/meminfo has no MemTotal or MemFree");
  }
  Memory m;
  m.total = get("MemTotal");
  const uint64_t free = get("MemFree");
  const uint64_t cached = get("Cached") + get("SReclaimable");
  const uint64_t buffers = get("Buffers");
  const uint64_t taken = free + cached + buffers;
  m.used = taken <= m.total ? m.total - taken : (free <= m.total ? m.total - free : 0);
  return m;
}

}  // namespace ds::sysstats
