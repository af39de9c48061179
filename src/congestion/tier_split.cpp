#include "congestion/tier_split.hpp"

#include <algorithm>

namespace ds::congestion {

const std::set<int>& TierSplit::update(const std::vector<TierViewer>& viewers,
                                       std::chrono::steady_clock::time_point now) {
  std::set<int> present;
  for (const auto& v : viewers) present.insert(v.id);
  std::erase_if(low_, [&](int id) { return present.count(id) == 0; });
  std::erase_if(past_line_since_, [&](const auto& kv) { return present.count(kv.first) == 0; });

  // The fastest viewer on the shared encode is the reference; with none left there, nobody
  // needs a second encode.
  const auto fastest_shared = [&] {
    int kbps = 0;
    for (const auto& v : viewers) {
      if (low_.count(v.id) == 0) kbps = std::max(kbps, v.target_kbps);
    }
    return kbps;
  };
  // A viewer on the lower encode whose path now takes as much as the fastest one on the shared
  // encode, or more, returns at once: the lower encode would otherwise be the higher one (the
  // others' paths slowed down after it moved; no wait keeps anyone from moving back and forth
  // there, as it is past the shared encode and not near a line).
  if (const int shared = fastest_shared(); shared > 0) {
    for (const auto& v : viewers) {
      if (low_.count(v.id) != 0 && v.target_kbps >= shared) {
        low_.erase(v.id);
        past_line_since_.erase(v.id);
      }
    }
  }
  const int reference = fastest_shared();
  if (reference <= 0) {
    low_.clear();
    past_line_since_.clear();
    return low_;
  }
  for (const auto& v : viewers) {
    const bool is_low = low_.count(v.id) != 0;
    if (!v.movable) {
      if (is_low) low_.erase(v.id);
      past_line_since_.erase(v.id);
      continue;
    }
    const bool past = is_low ? v.target_kbps >= settings_.join_ratio * reference
                             : v.target_kbps < settings_.split_ratio * reference;
    if (!past) {
      past_line_since_.erase(v.id);
      continue;
    }
    const auto [it, fresh] = past_line_since_.try_emplace(v.id, now);
    const auto wait = is_low ? settings_.join_after : settings_.split_after;
    if (fresh || now - it->second < wait) continue;
    past_line_since_.erase(it);
    if (is_low) {
      low_.erase(v.id);
    } else {
      low_.insert(v.id);
    }
  }
  return low_;
}

}  // namespace ds::congestion
