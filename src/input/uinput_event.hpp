// The datagrams Selkies 1.6 sends to SELKIES_UINPUT_MOUSE_SOCKET (observed from its
// webrtc_input.py): one Unix datagram per uinput event, each a MessagePack map
// {"args": [[type, code], value], "kwargs": {}} — {"syn": false} in kwargs for relative X, whose
// sync waits for the Y event that follows. Pure.
#pragma once

#include <cstdint>
#include <string>

namespace ds::input {

struct UinputEvent {
  int type;  // Linux event type: 1 EV_KEY, 2 EV_REL
  int code;  // Linux event code
  int64_t value;
  bool syn = true;  // false: kwargs {"syn": false}
  bool operator==(const UinputEvent&) const = default;
};

// The events Selkies sends, by the Linux codes it names.
inline constexpr int kEvKey = 0x01;
inline constexpr int kEvRel = 0x02;
inline constexpr int kBtnLeft = 0x110;
inline constexpr int kBtnRight = 0x111;
inline constexpr int kBtnMiddle = 0x112;
inline constexpr int kRelX = 0x00;
inline constexpr int kRelY = 0x01;
inline constexpr int kRelWheel = 0x08;

// The datagram for one event, byte for byte what Python's msgpack.packb(..., use_bin_type=True)
// makes of Selkies' command (integers in their smallest MessagePack form).
std::string encodeUinputEvent(const UinputEvent& event);

}  // namespace ds::input
