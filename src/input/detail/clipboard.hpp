// The X CLIPBOARD selection through Xlib. Owning: serves TARGETS, UTF8_STRING, TEXT,
// text/plain;charset=utf-8 and STRING (Latin-1), using the INCR protocol above kIncrThreshold.
// Reading: XConvertSelection to UTF8_STRING (falling back to STRING), following INCR transfers.
// Host-side changes arrive as XFixes selection-owner notifications (no polling).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "input/detail/xlib.hpp"

namespace ds::input::detail {

class Clipboard {
 public:
  static constexpr size_t kIncrThreshold = 256 * 1024;
  static constexpr size_t kMaxReadBytes = 16 * 1024 * 1024;
  // Called with the host clipboard text, or nullopt when it could not be read (empty, no owner,
  // not text, too large, timed out).
  using OnContent = std::function<void(std::optional<std::string> text)>;

  Clipboard(Display* dpy, Window root, OnContent on_content);
  ~Clipboard();
  Clipboard(const Clipboard&) = delete;
  Clipboard& operator=(const Clipboard&) = delete;

  // Takes ownership of CLIPBOARD with this text. False if the server refused.
  bool set(std::string utf8_text);
  // Asks the current owner for its text; the answer arrives through OnContent.
  void request(Time when = CurrentTime);
  // Our text while we own the selection.
  const std::optional<std::string>& owned() const { return owned_; }
  Window window() const { return window_; }

  // Handles selection, property and XFixes selection events; true when the event was ours.
  bool handle(const XEvent& event, int xfixes_event_base);

 private:
  struct Outgoing {
    Window requestor;
    Atom property;
    Atom type;
    std::shared_ptr<const std::string> data;
    size_t offset = 0;
    int64_t started_us = 0;
  };
  void onSelectionRequest(const XSelectionRequestEvent& request);
  Atom serve(const XSelectionRequestEvent& request, Atom property);
  void onSelectionNotify(const XSelectionEvent& event);
  void onPropertyNotify(const XPropertyEvent& event);
  void finishRead(std::optional<std::string> text);
  void expireTransfers();

  Display* dpy_;
  Window window_ = 0;
  OnContent on_content_;
  Atom clipboard_, targets_, utf8_, text_, text_plain_, incr_, timestamp_, property_;
  std::optional<std::string> owned_;
  std::shared_ptr<const std::string> owned_shared_;
  Time owned_since_ = CurrentTime;
  // Reading state.
  bool reading_ = false;
  bool read_again_ = false;
  bool incr_read_ = false;
  Atom read_target_ = 0;
  int64_t read_started_us_ = 0;
  std::string buffer_;
  std::vector<Outgoing> transfers_;
};

}  // namespace ds::input::detail
