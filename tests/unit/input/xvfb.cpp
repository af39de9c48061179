#include "unit/input/xvfb.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ds::input::test {
namespace {

bool waitExited(pid_t pid, int timeout_ms) {
  for (int i = 0; i < timeout_ms / 10; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string trimmed(const std::string& s) {
  const auto begin = s.find_first_not_of(" \n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \n") - begin + 1);
}

}  // namespace

std::unique_ptr<Xvfb> Xvfb::start(const std::string& screen) {
  for (int n = 90; n <= 120; ++n) {
    const std::string lock = "/tmp/.X" + std::to_string(n) + "-lock";
    const std::string socket = "/tmp/.X11-unix/X" + std::to_string(n);
    if (std::filesystem::exists(lock) || std::filesystem::exists(socket)) continue;
    const std::string display = ":" + std::to_string(n);
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execlp("Xvfb", "Xvfb", display.c_str(), "-nolisten", "tcp", "-noreset", "-screen", "0",
             screen.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500; ++i) {                      // up to 5 s
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // lost the race for this number
      // Another test process may have started a server on this number at the same time: the
      // lock file names the pid of the server that won.
      if (std::filesystem::exists(socket) && std::stoi("0" + trimmed(readFile(lock))) == pid) {
        std::unique_ptr<Xvfb> xvfb(new Xvfb(pid, display));
        if (xvfb->run("xdpyinfo >/dev/null 2>&1 && echo ok").find("ok") == 0) return xvfb;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return nullptr;
}

Xvfb::~Xvfb() {
  for (pid_t child : children_) {
    kill(child, SIGTERM);
    if (!waitExited(child, 1000)) kill(child, SIGKILL), waitpid(child, nullptr, 0);
  }
  kill(pid_, SIGTERM);
  if (!waitExited(pid_, 3000)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Xvfb::run(const std::string& command) const {
  const std::string full = "DISPLAY=" + display_ + " " + command;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

pid_t Xvfb::spawn(const std::vector<std::string>& argv) {
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    setenv("DISPLAY", display_.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  children_.push_back(pid);
  return pid;
}

std::string writeTempFile(const std::string& name, const std::string& data) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ds_input_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << data;
  return path.string();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ds::input::test
