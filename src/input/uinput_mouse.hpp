// The client side of SELKIES_UINPUT_MOUSE_SOCKET: a Unix datagram socket that some other process
// (a uinput mouse device) reads. Every event is one datagram (uinput_event.hpp). Never blocks:
// the socket is non-blocking, datagrams the reader has no room for wait in a bounded queue that
// a GLib fd watch on the default GMainContext flushes. A socket that is missing, refuses or
// fills the queue is given up (logged once per outage) and tried again at most once a second;
// meanwhile send() returns false and the caller uses XTest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>

#include "input/uinput_event.hpp"

namespace ds::input {

class UinputMouse {
 public:
  static constexpr size_t kMaxQueuedBytes = size_t{64} * 1024;  // ~2000 events
  static constexpr int64_t kRetryMicros = 1'000'000;

  // Tries to connect at once (logging the outcome); never fails.
  explicit UinputMouse(std::string path);
  ~UinputMouse();
  UinputMouse(const UinputMouse&) = delete;
  UinputMouse& operator=(const UinputMouse&) = delete;

  // Sends the events in order. False when the socket is not usable (missing, refused, gone, or
  // its reader has left kMaxQueuedBytes unread): the caller injects them through XTest instead.
  // (A socket that breaks halfway through may have taken the first of them.)
  bool send(std::initializer_list<UinputEvent> events);
  bool connected() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // The fd watch's callback: sends what the queue holds. Public for the C trampoline only.
  void flush();

 private:
  bool ensureConnected();
  void giveUp(const std::string& why);
  void watchOutput(bool on);

  std::string path_;
  int fd_ = -1;
  int64_t last_attempt_ = 0;  // g_get_monotonic_time() of the last connect attempt
  bool failure_logged_ = false;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  unsigned watch_ = 0;
};

}  // namespace ds::input
