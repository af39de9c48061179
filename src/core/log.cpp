#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "core/strings.hpp"

namespace ds::log {
namespace {

// The only process-wide state in the project: the log threshold and the stderr lock. Logging
// is called from GStreamer streaming threads, where passing a logger around is not possible.
std::atomic<int>& threshold() {
  static std::atomic<int> level{static_cast<int>(Level::kInfo)};
  return level;
}

std::mutex& outputMutex() {
  static std::mutex m;
  return m;
}

const char* name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void setLevel(Level level) { threshold().store(static_cast<int>(level)); }

bool enabled(Level level) { return static_cast<int>(level) >= threshold().load(); }

void write(Level level, std::string_view module, std::string_view message) {
  if (!enabled(level)) return;
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  // Messages carry request data (paths, headers, user names): one call is one line, whatever
  // they contain.
  const std::string safe = escapeForLog(message);
  const std::lock_guard lock(outputMutex());
  std::fprintf(stderr, "%s.%03lld %-5s [%.*s] %s\n", stamp, static_cast<long long>(ms), name(level),
               static_cast<int>(module.size()), module.data(), safe.c_str());
}

}  // namespace ds::log
