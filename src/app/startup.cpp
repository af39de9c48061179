#include "app/startup.hpp"

#include <X11/Xlib.h>
#undef Status  // Xlib's macro would shadow ds::Status
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/log.hpp"

namespace ds::app {

bool displayReachable(const std::string& display) {
  Display* d = XOpenDisplay(display.c_str());
  if (d == nullptr) return false;
  XCloseDisplay(d);
  return true;
}

Status waitForDisplay(const std::string& display, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (displayReachable(display)) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail("DISPLAY=" + display +
                  ": cannot connect to the X server (is it running, and is "
                  "XAUTHORITY set if it needs one?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void waitForReadyFile(const config::Config& config) {
  if (!config.desktop.app_wait_ready) return;
  log::info("app",
            "waiting for " + config.desktop.app_ready_file + " (SELKIES_APP_WAIT_READY=true)");
  while (!std::filesystem::exists(config.desktop.app_ready_file)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string resolveWebRoot(const std::string& configured) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(configured) / "index.html", ec)) return configured;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share/deskstream/web";
    if (fs::exists(installed / "index.html", ec)) return installed.string();
  }
  return DS_SOURCE_WEB_ROOT;
}

void logSettings(const config::Loaded& loaded) {
  for (const auto& s : loaded.settings) {
    std::string line = s.env + "=" + s.value + (s.from_default ? " (default)" : "");
    if (!s.supported && !s.from_default) {
      log::warn("config", line + ": not yet supported by deskstream; ignored");
    } else {
      log::debug("config", line);
    }
  }
  for (const auto& w : loaded.warnings) log::warn("config", w);
}

}  // namespace ds::app
