// Test helper: a private Xvfb on a free display number (:90..:120), killed on destruction, plus
// running X command-line tools against it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ds::input::test {

class Xvfb {
 public:
  static std::unique_ptr<Xvfb> start(const std::string& screen = "1280x720x24");
  ~Xvfb();
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;
  const std::string& display() const { return display_; }
  // Runs `command` (through sh) with DISPLAY set; returns its stdout.
  std::string run(const std::string& command) const;
  // Starts a background process with DISPLAY set; it is killed on destruction of the Xvfb.
  pid_t spawn(const std::vector<std::string>& argv);

 private:
  Xvfb(pid_t pid, std::string display) : pid_(pid), display_(std::move(display)) {}
  pid_t pid_;
  std::string display_;
  std::vector<pid_t> children_;
};

// Writes `data` to a file and returns its path (under the test's temp dir).
std::string writeTempFile(const std::string& name, const std::string& data);
std::string readFile(const std::string& path);

}  // namespace ds::input::test
