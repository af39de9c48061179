#include "input/uinput_mouse.hpp"

#include <glib-unix.h>
#include <glib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include "core/log.hpp"

namespace ds::input {
namespace {

gboolean onWritable(gint /*fd*/, GIOCondition /*condition*/, gpointer self) {
  auto* mouse = static_cast<UinputMouse*>(self);
  try {
    mouse->flush();
  } catch (const std::exception& e) {  // nothing may unwind into GLib
    log::error("input", std::string("uinput mouse socket: ") + e.what());
  }
  return G_SOURCE_CONTINUE;  // flush() removes the watch itself when the queue is empty
}

std::string errnoText(int err) { return std::strerror(err); }

}  // namespace

UinputMouse::UinputMouse(std::string path) : path_(std::move(path)) { ensureConnected(); }

UinputMouse::~UinputMouse() {
  watchOutput(false);
  if (fd_ >= 0) close(fd_);
}

bool UinputMouse::ensureConnected() {
  if (fd_ >= 0) return true;
  const int64_t now = g_get_monotonic_time();
  if (last_attempt_ != 0 && now - last_attempt_ < kRetryMicros) return false;
  last_attempt_ = now;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    giveUp("path longer than a Unix socket address");
    return false;
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    giveUp("socket: " + errnoText(errno));
    return false;
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    giveUp("connect: " + errnoText(err));
    return false;
  }
  fd_ = fd;
  failure_logged_ = false;
  log::info("input", "SELKIES_UINPUT_MOUSE_SOCKET " + path_ +
                         ": connected; relative motion, buttons and wheel go there");
  return true;
}

void UinputMouse::giveUp(const std::string& why) {
  watchOutput(false);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  queue_.clear();
  queued_bytes_ = 0;
  last_attempt_ = g_get_monotonic_time();
  if (failure_logged_) return;
  failure_logged_ = true;
  log::warn("input", "SELKIES_UINPUT_MOUSE_SOCKET " + path_ + ": " + why +
                         "; the mouse goes through XTest until the socket answers (tried again "
                         "at most once a second)");
}

bool UinputMouse::send(std::initializer_list<UinputEvent> events) {
  if (!ensureConnected()) return false;
  std::vector<std::string> datagrams;
  size_t total = 0;
  for (const UinputEvent& e : events) {
    datagrams.push_back(encodeUinputEvent(e));
    total += datagrams.back().size();
  }
  if (queued_bytes_ + total > kMaxQueuedBytes) {
    giveUp("its reader left " + std::to_string(queued_bytes_) + " bytes unread");
    return false;
  }
  for (std::string& d : datagrams) {
    if (queue_.empty()) {
      if (::send(fd_, d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        giveUp("send: " + errnoText(errno));
        return false;
      }
    }
    queued_bytes_ += d.size();
    queue_.push_back(std::move(d));
  }
  if (!queue_.empty()) watchOutput(true);
  return true;
}

void UinputMouse::flush() {
  while (fd_ >= 0 && !queue_.empty()) {
    const std::string& d = queue_.front();
    if (::send(fd_, d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;  // wait for room
      giveUp("send: " + errnoText(errno));
      return;
    }
    queued_bytes_ -= d.size();
    queue_.pop_front();
  }
  watchOutput(false);
}

void UinputMouse::watchOutput(bool on) {
  if (on && watch_ == 0 && fd_ >= 0) {
    watch_ = g_unix_fd_add(fd_, G_IO_OUT, &onWritable, this);
  } else if (!on && watch_ != 0) {
    g_source_remove(watch_);
    watch_ = 0;
  }
}

}  // namespace ds::input
