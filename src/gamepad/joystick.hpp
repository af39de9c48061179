// What the Selkies joystick interposer (an LD_PRELOAD library that turns open("/dev/input/jsN")
// into a connection to selkies_jsN.sock) reads from the socket, and how browser gamepad input
// becomes that. Pure: no sockets, no GLib; docs/protocol-input.md "Gamepads" describes the wire
// format and the mapping in words.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ds::gamepad {

// Browser gamepad indexes 0..3, one socket each (selkies_js0.sock .. selkies_js3.sock).
inline constexpr int kSlots = 4;

// The interposer's config record: char name[255]; (1 byte padding) uint16 buttons; uint16 axes;
// uint16 button_codes[512]; uint8 axis_codes[64]. Host byte order, 1348 bytes.
inline constexpr size_t kNameBytes = 255;
inline constexpr size_t kMaxButtons = 512;
inline constexpr size_t kMaxAxes = 64;
inline constexpr size_t kConfigBytes = 1348;
// Linux struct js_event: uint32 time (ms); int16 value; uint8 type; uint8 number. Host order.
inline constexpr size_t kEventBytes = 8;

enum class EventType : uint8_t { kButton = 0x01, kAxis = 0x02 };

struct JsEvent {
  EventType type;
  uint8_t number;  // the device's button or axis number (after mapping)
  int16_t value;   // buttons 0/1, axes -32767..32767
  bool operator==(const JsEvent&) const = default;
};

struct DeviceConfig {
  std::string name;
  std::vector<uint16_t> button_codes;  // Linux BTN_* code of each button
  std::vector<uint8_t> axis_codes;     // Linux ABS_* code of each axis
};

// The one device Selkies presents for every browser gamepad: "Selkies Controller", the 11
// buttons and 8 axes of the Linux xpad driver.
const DeviceConfig& xpadDevice();

std::array<uint8_t, kConfigBytes> encodeConfig(const DeviceConfig& device);
std::array<uint8_t, kEventBytes> encodeEvent(const JsEvent& event, uint32_t time_ms);
// The event time Selkies writes: wall-clock milliseconds modulo 10^9.
uint32_t eventTime(int64_t unix_time_us);

// The browser's standard-gamepad layout mapped onto xpadDevice(), as Selkies does:
// buttons 6/7 (L2/R2) become the trigger axes 2 and 5 (0..1 -> -32767..32767), the d-pad
// buttons 12..15 the hat axes 7 and 6, buttons 8..11 and 16 move to xpad's numbering; axes 2/3
// (right stick) become axes 3/4. Values that do not fit the event (|value| too large) and
// numbers the device does not have are errors; the caller drops the event.
Result<JsEvent> mapButton(int button, double value);
Result<JsEvent> mapAxis(int axis, double value);

// The device's current values, starting at rest (buttons 0, sticks and hat 0, triggers
// -32767); a new reader gets them as its first events.
class DeviceState {
 public:
  DeviceState();
  void apply(const JsEvent& event);
  std::vector<JsEvent> snapshot() const;  // every button, then every axis

 private:
  std::vector<int16_t> buttons_;
  std::vector<int16_t> axes_;
};

}  // namespace ds::gamepad
