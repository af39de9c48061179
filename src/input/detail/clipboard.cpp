#include "input/detail/clipboard.hpp"

#include <glib.h>

#include <algorithm>

#include "core/log.hpp"
#include "input/detail/x_error.hpp"
#include "input/detail/xlib.hpp"

namespace ds::input::detail {
namespace {

constexpr int64_t kReadTimeoutUs = 5'000'000;
constexpr int64_t kTransferTimeoutUs = 30'000'000;

std::string latin1ToUtf8(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

std::string utf8ToLatin1(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && i + 1 < in.size()) {
      const unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3fu);
      out.push_back(cp <= 0xff ? static_cast<char>(cp) : '?');
      ++i;
    } else if ((c & 0xc0) != 0x80) {
      out.push_back('?');  // a lead byte of a code point beyond Latin-1
    }
  }
  return out;
}

}  // namespace

Clipboard::Clipboard(Display* dpy, Window root, OnContent on_content)
    : dpy_(dpy), on_content_(std::move(on_content)) {
  XSetWindowAttributes attrs{};
  attrs.event_mask = PropertyChangeMask;
  window_ = XCreateWindow(dpy_, root, -10, -10, 1, 1, 0, 0, InputOnly, CopyFromParent, CWEventMask,
                          &attrs);
  clipboard_ = XInternAtom(dpy_, "CLIPBOARD", False);
  targets_ = XInternAtom(dpy_, "TARGETS", False);
  utf8_ = XInternAtom(dpy_, "UTF8_STRING", False);
  text_ = XInternAtom(dpy_, "TEXT", False);
  text_plain_ = XInternAtom(dpy_, "text/plain;charset=utf-8", False);
  incr_ = XInternAtom(dpy_, "INCR", False);
  timestamp_ = XInternAtom(dpy_, "TIMESTAMP", False);
  property_ = XInternAtom(dpy_, "DESKSTREAM_CLIPBOARD", False);
  XFixesSelectSelectionInput(dpy_, root, clipboard_, XFixesSetSelectionOwnerNotifyMask);
}

Clipboard::~Clipboard() {
  XDestroyWindow(dpy_, window_);
  XFlush(dpy_);
}

bool Clipboard::set(std::string utf8_text) {
  owned_ = std::move(utf8_text);
  owned_shared_ = std::make_shared<const std::string>(*owned_);
  XSetSelectionOwner(dpy_, clipboard_, window_, CurrentTime);
  if (XGetSelectionOwner(dpy_, clipboard_) != window_) {
    owned_.reset();
    owned_shared_.reset();
    return false;
  }
  return true;
}

void Clipboard::request(Time when) {
  if (reading_) {
    if (g_get_monotonic_time() - read_started_us_ < kReadTimeoutUs) {
      read_again_ = true;
      return;
    }
    log::warn("input", "clipboard read timed out; retrying");
    finishRead(std::nullopt);
  }
  reading_ = true;
  incr_read_ = false;
  buffer_.clear();
  read_target_ = utf8_;
  read_started_us_ = g_get_monotonic_time();
  XDeleteProperty(dpy_, window_, property_);
  XConvertSelection(dpy_, clipboard_, utf8_, property_, window_, when);
  XFlush(dpy_);
}

bool Clipboard::handle(const XEvent& event, int xfixes_event_base) {
  if (event.type == xfixes_event_base + XFixesSelectionNotify) {
    const auto& e = reinterpret_cast<const XFixesSelectionNotifyEvent&>(event);
    if (e.selection != clipboard_) return false;
    if (e.owner != window_) {
      owned_.reset();  // someone else took it (SelectionClear also says so)
      owned_shared_.reset();
      if (e.owner != None) request(e.selection_timestamp);
    }
    return true;
  }
  switch (event.type) {
    case SelectionRequest:
      onSelectionRequest(event.xselectionrequest);
      return true;
    case SelectionClear:
      if (event.xselectionclear.selection == clipboard_) {
        owned_.reset();
        owned_shared_.reset();
      }
      return true;
    case SelectionNotify:
      if (event.xselection.requestor != window_) return false;
      onSelectionNotify(event.xselection);
      return true;
    case PropertyNotify:
      onPropertyNotify(event.xproperty);
      return true;
    default:
      return false;
  }
}

void Clipboard::onSelectionRequest(const XSelectionRequestEvent& request) {
  expireTransfers();
  // Obsolete clients pass None as the property: use the target atom instead (ICCCM 2.2).
  const Atom property = request.property == None ? request.target : request.property;
  Atom result = None;
  if (request.selection == clipboard_ && owned_shared_) result = serve(request, property);
  XEvent reply{};
  reply.xselection.type = SelectionNotify;
  reply.xselection.display = dpy_;
  reply.xselection.requestor = request.requestor;
  reply.xselection.selection = request.selection;
  reply.xselection.target = request.target;
  reply.xselection.property = result;
  reply.xselection.time = request.time;
  ErrorTrap trap(dpy_);  // the requestor may be gone already
  XSendEvent(dpy_, request.requestor, False, NoEventMask, &reply);
  if (trap.check() != 0) log::debug("input", "clipboard requestor vanished");
}

Atom Clipboard::serve(const XSelectionRequestEvent& request, Atom property) {
  const Atom target = request.target;
  if (target == targets_) {
    const Atom list[] = {targets_, utf8_, text_, text_plain_, XA_STRING, timestamp_};
    XChangeProperty(dpy_, request.requestor, property, XA_ATOM, 32, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(list), std::size(list));
    return property;
  }
  if (target == timestamp_) {
    const long stamp = static_cast<long>(owned_since_);
    XChangeProperty(dpy_, request.requestor, property, XA_INTEGER, 32, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(&stamp), 1);
    return property;
  }
  std::shared_ptr<const std::string> data;
  Atom type = utf8_;
  if (target == utf8_ || target == text_ || target == text_plain_) {
    data = owned_shared_;
  } else if (target == XA_STRING) {
    data = std::make_shared<const std::string>(utf8ToLatin1(*owned_shared_));
    type = XA_STRING;
  } else {
    return None;  // MULTIPLE and image targets are not offered
  }
  if (data->size() <= kIncrThreshold) {
    XChangeProperty(dpy_, request.requestor, property, type, 8, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(data->data()),
                    static_cast<int>(data->size()));
    return property;
  }
  // INCR: announce the size, then send a chunk each time the requestor deletes the property.
  XSelectInput(dpy_, request.requestor, PropertyChangeMask);
  const long size = static_cast<long>(data->size());
  XChangeProperty(dpy_, request.requestor, property, incr_, 32, PropModeReplace,
                  reinterpret_cast<const unsigned char*>(&size), 1);
  transfers_.push_back({request.requestor, property, type, data, 0, g_get_monotonic_time()});
  return property;
}

void Clipboard::onSelectionNotify(const XSelectionEvent& event) {
  if (!reading_ || event.selection != clipboard_) return;
  if (event.property == None) {
    if (read_target_ == utf8_) {  // no UTF-8 on offer: try Latin-1
      read_target_ = XA_STRING;
      XConvertSelection(dpy_, clipboard_, XA_STRING, property_, window_, CurrentTime);
      XFlush(dpy_);
      return;
    }
    finishRead(std::nullopt);
    return;
  }
  Atom type = None;
  int format = 0;
  unsigned long count = 0;
  unsigned long remaining = 0;
  unsigned char* data = nullptr;
  XGetWindowProperty(dpy_, window_, property_, 0, kMaxReadBytes / 4, True, AnyPropertyType, &type,
                     &format, &count, &remaining, &data);
  if (type == incr_) {
    incr_read_ = true;  // deleting the property (above) asks the owner for the first chunk
    if (data != nullptr) XFree(data);
    return;
  }
  std::string text;
  if (data != nullptr && format == 8) text.assign(reinterpret_cast<char*>(data), count);
  if (data != nullptr) XFree(data);
  if (remaining > 0 || (type != utf8_ && type != XA_STRING)) {
    finishRead(std::nullopt);
    return;
  }
  finishRead(type == XA_STRING ? latin1ToUtf8(text) : std::move(text));
}

void Clipboard::onPropertyNotify(const XPropertyEvent& event) {
  if (event.window == window_) {
    if (!reading_ || !incr_read_ || event.atom != property_ || event.state != PropertyNewValue) {
      return;
    }
    Atom type = None;
    int format = 0;
    unsigned long count = 0;
    unsigned long remaining = 0;
    unsigned char* data = nullptr;
    XGetWindowProperty(dpy_, window_, property_, 0, kMaxReadBytes / 4, True, AnyPropertyType, &type,
                       &format, &count, &remaining, &data);
    const bool latin1 = type == XA_STRING;
    if (data != nullptr && format == 8) buffer_.append(reinterpret_cast<char*>(data), count);
    if (data != nullptr) XFree(data);
    if (buffer_.size() > kMaxReadBytes) {
      log::warn("input", "host clipboard is over 16 MiB; not read");
      finishRead(std::nullopt);
    } else if (count == 0) {
      std::string text = std::move(buffer_);
      finishRead(latin1 ? latin1ToUtf8(text) : std::move(text));
    }
    return;
  }
  if (event.state != PropertyDelete) return;
  for (auto it = transfers_.begin(); it != transfers_.end(); ++it) {
    if (it->requestor != event.window || it->property != event.atom) continue;
    const size_t n = std::min(kIncrThreshold, it->data->size() - it->offset);
    ErrorTrap trap(dpy_);
    XChangeProperty(dpy_, it->requestor, it->property, it->type, 8, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(it->data->data() + it->offset),
                    static_cast<int>(n));
    it->offset += n;
    if (n == 0 || trap.check() != 0) {  // the zero-length chunk ends the transfer
      XSelectInput(dpy_, it->requestor, NoEventMask);
      transfers_.erase(it);
    }
    return;
  }
}

void Clipboard::finishRead(std::optional<std::string> text) {
  reading_ = false;
  incr_read_ = false;
  buffer_.clear();
  buffer_.shrink_to_fit();
  const bool again = read_again_;
  read_again_ = false;
  on_content_(std::move(text));
  if (again) request();
}

void Clipboard::expireTransfers() {
  const int64_t now = g_get_monotonic_time();
  std::erase_if(transfers_, [&](const Outgoing& t) {
    if (now - t.started_us < kTransferTimeoutUs) return false;
    log::warn("input", "clipboard INCR transfer to a host client timed out");
    return true;
  });
}

}  // namespace ds::input::detail
