// /health and /readyz: whether the X display accepts connections, answered from a cache.
// XOpenDisplay can block (a stopped or overloaded X server), so it never runs on the main loop:
// a probe request starts a check on a short-lived worker thread when the last one is at least a
// second old (http::ProbeCache) and answers with the last result meanwhile. Main-loop thread.
#pragma once

#include <memory>
#include <string>

namespace ds::app {

class DisplayProbe {
 public:
  // The display was reachable at startup (waitForDisplay).
  explicit DisplayProbe(std::string display);
  ~DisplayProbe();
  DisplayProbe(const DisplayProbe&) = delete;
  DisplayProbe& operator=(const DisplayProbe&) = delete;

  bool reachable();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;  // shared with the running check, which may outlive us
  std::string display_;
};

}  // namespace ds::app
