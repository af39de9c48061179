#include "app/startup.hpp"

#include <X11/Xlib.h>
#undef Status  // Xlib's macro would shadow ds::Status
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

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

namespace {

// Writes 4 KiB into a new file in `dir`, syncs and removes it; the error text, or "" when fine.
std::string probeWrite(const std::string& dir) {
  const std::string path = dir + "/.deskstream-write-check-" + std::to_string(getpid());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  const std::vector<char> block(4096, 0);
  errno = 0;
  const bool wrote = ::write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size());
  const int write_errno = errno;
  const bool synced = wrote && ::fsync(fd) == 0;
  const int sync_errno = errno;
  ::close(fd);
  ::unlink(path.c_str());
  if (!wrote) return std::strerror(write_errno != 0 ? write_errno : ENOSPC);
  if (!synced) return std::strerror(sync_errno);
  return "";
}

}  // namespace

std::optional<std::string> unwritableDirectories(const config::Config& config) {
  std::map<std::string, std::vector<std::string>> uses;  // directory -> what needs it
  if (!config.json_config.empty()) {
    std::string dir = std::filesystem::path(config.json_config).parent_path().string();
    uses[dir.empty() ? "." : dir].push_back("SELKIES_JSON_CONFIG (client settings not saved)");
  }
  if (!config.desktop.js_socket_path.empty()) {
    uses[config.desktop.js_socket_path].push_back("SELKIES_JS_SOCKET_PATH (no gamepads)");
  }
  std::string line;
  for (const auto& [dir, what] : uses) {
    const std::string why = probeWrite(dir);
    if (why.empty()) continue;
    line += (line.empty() ? "" : "; ") + dir + ": " + why + ": ";
    for (size_t i = 0; i < what.size(); ++i) line += (i == 0 ? "" : ", ") + what[i];
  }
  if (line.empty()) return std::nullopt;
  return "cannot write to " + line + "; streaming is not affected";
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
