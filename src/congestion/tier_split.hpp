// Which viewers of one shared encode are moved to a second, lower encode of the same codec: a
// viewer whose path carries far less than the others' would otherwise set the quality for
// everyone (one encode follows its slowest viewer). A viewer goes down when its target stays
// under split_ratio of the fastest viewer left on the shared encode for split_after, and comes
// back when it reaches join_ratio of it for join_after (the gap between the two ratios and the
// two waits keep a viewer near the line from moving back and forth, each move costs it a
// keyframe). A viewer on the lower encode whose target reaches the fastest shared viewer's comes
// back at once: the others' paths slowed down since it moved, and the lower encode would be the
// higher one. The fastest viewer always stays, so the shared encode never empties. Pure.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <vector>

namespace ds::congestion {

struct TierSettings {
  double split_ratio = 0.5;
  double join_ratio = 0.8;
  std::chrono::milliseconds split_after{2000};
  std::chrono::milliseconds join_after{5000};
};

struct TierViewer {
  int id = 0;
  int target_kbps = 0;
  // Its stream can be moved to another encode (a WebRTC viewer of a codec RtpSwitch knows);
  // others always stay on the shared encode.
  bool movable = false;
};

class TierSplit {
 public:
  explicit TierSplit(TierSettings settings = {}) : settings_(settings) {}

  // The viewers on the lower encode after this update (ids not in `viewers` are forgotten).
  const std::set<int>& update(const std::vector<TierViewer>& viewers,
                              std::chrono::steady_clock::time_point now);
  const std::set<int>& low() const { return low_; }

 private:
  TierSettings settings_;
  std::set<int> low_;
  // Since when each viewer has been past its line (below the split line while on the shared
  // encode, above the join line while on the lower one).
  std::map<int, std::chrono::steady_clock::time_point> past_line_since_;
};

}  // namespace ds::congestion
