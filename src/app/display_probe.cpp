#include "app/display_probe.hpp"

#include <chrono>
#include <mutex>
#include <system_error>
#include <thread>

#include "app/startup.hpp"
#include "core/log.hpp"
#include "http/probe_cache.hpp"

namespace ds::app {

struct DisplayProbe::Shared {
  std::mutex mutex;
  http::ProbeCache cache;
  explicit Shared(http::ProbeCache::Clock::time_point now)
      : cache(true, std::chrono::milliseconds(1000), std::chrono::milliseconds(2000), now) {}
};

DisplayProbe::DisplayProbe(std::string display)
    : shared_(std::make_shared<Shared>(http::ProbeCache::Clock::now())),
      display_(std::move(display)) {}

DisplayProbe::~DisplayProbe() = default;

bool DisplayProbe::reachable() {
  const auto now = http::ProbeCache::Clock::now();
  const std::lock_guard lock(shared_->mutex);
  if (shared_->cache.startCheck(now)) {
    try {
      std::thread([shared = shared_, display = display_] {
        const bool up = displayReachable(display);
        const std::lock_guard done(shared->mutex);
        shared->cache.finished(up, http::ProbeCache::Clock::now());
      }).detach();
    } catch (const std::system_error& e) {
      log::warn("app", std::string("X display check not started: ") + e.what());
      shared_->cache.finished(false, now);
    }
  }
  return shared_->cache.up(now);
}

}  // namespace ds::app
