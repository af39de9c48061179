#include "gamepad/joystick.hpp"

#include <cmath>
#include <cstring>

namespace ds::gamepad {
namespace {

// Linux input-event-codes.h.
constexpr uint16_t kBtnA = 0x130, kBtnB = 0x131, kBtnX = 0x133, kBtnY = 0x134, kBtnTl = 0x136,
                   kBtnTr = 0x137, kBtnSelect = 0x13a, kBtnStart = 0x13b, kBtnMode = 0x13c,
                   kBtnThumbL = 0x13d, kBtnThumbR = 0x13e;
constexpr uint8_t kAbsX = 0x00, kAbsY = 0x01, kAbsZ = 0x02, kAbsRx = 0x03, kAbsRy = 0x04,
                  kAbsRz = 0x05, kAbsHat0X = 0x10, kAbsHat0Y = 0x11;

constexpr int kAxisMax = 32767;
constexpr int kLeftTrigger = 2;   // ABS_Z
constexpr int kRightTrigger = 5;  // ABS_RZ

// Browser buttons that drive an axis: {button, axis, sign, trigger}.
struct ButtonAxis {
  int button;
  int axis;
  int sign;
  bool trigger;
};
constexpr ButtonAxis kButtonAxes[] = {
    {6, kLeftTrigger, 1, true}, {7, kRightTrigger, 1, true},  // L2, R2
    {15, 6, 1, false},          {14, 6, -1, false},           // d-pad right/left: hat X
    {13, 7, 1, false},          {12, 7, -1, false},           // d-pad down/up: hat Y
};
// Browser buttons renumbered to xpad's order: {browser, device}; the others keep their number.
constexpr int kButtonMoves[][2] = {{8, 6}, {9, 7}, {10, 9}, {11, 10}, {16, 8}};
// Browser axes renumbered: the right stick moves past the left trigger.
constexpr int kAxisMoves[][2] = {{2, 3}, {3, 4}};

// Python's round() (halves to even) of Selkies' expressions, checked against int16_t as its
// struct.pack would.
Result<int16_t> toValue(double v) {
  const double r = std::nearbyint(v);
  if (!std::isfinite(r) || r < -32768.0 || r > 32767.0) return fail("value out of range");
  return static_cast<int16_t>(r);
}
Result<int16_t> stickValue(double v) { return toValue(-kAxisMax + ((v + 1.0) * 65534.0) / 2.0); }
Result<int16_t> triggerValue(double v) {
  const double r = std::nearbyint(v * 65534.0);
  if (!std::isfinite(r)) return fail("value out of range");
  return toValue(r - kAxisMax);
}

void put16(uint8_t* at, uint16_t v) { std::memcpy(at, &v, sizeof v); }

}  // namespace

const DeviceConfig& xpadDevice() {
  static const DeviceConfig kXpad{
      "Selkies Controller",
      {kBtnA, kBtnB, kBtnX, kBtnY, kBtnTl, kBtnTr, kBtnSelect, kBtnStart, kBtnMode, kBtnThumbL,
       kBtnThumbR},
      {kAbsX, kAbsY, kAbsZ, kAbsRx, kAbsRy, kAbsRz, kAbsHat0X, kAbsHat0Y}};
  return kXpad;
}

std::array<uint8_t, kConfigBytes> encodeConfig(const DeviceConfig& device) {
  std::array<uint8_t, kConfigBytes> out{};
  std::memcpy(out.data(), device.name.data(), std::min(device.name.size(), kNameBytes));
  const size_t buttons = std::min(device.button_codes.size(), kMaxButtons);
  const size_t axes = std::min(device.axis_codes.size(), kMaxAxes);
  put16(&out[256], static_cast<uint16_t>(buttons));
  put16(&out[258], static_cast<uint16_t>(axes));
  for (size_t i = 0; i < buttons; ++i) put16(&out[260 + 2 * i], device.button_codes[i]);
  for (size_t i = 0; i < axes; ++i) out[260 + 2 * kMaxButtons + i] = device.axis_codes[i];
  return out;
}

std::array<uint8_t, kEventBytes> encodeEvent(const JsEvent& event, uint32_t time_ms) {
  std::array<uint8_t, kEventBytes> out{};
  std::memcpy(&out[0], &time_ms, sizeof time_ms);
  std::memcpy(&out[4], &event.value, sizeof event.value);
  out[6] = static_cast<uint8_t>(event.type);
  out[7] = event.number;
  return out;
}

uint32_t eventTime(int64_t unix_time_us) {
  return static_cast<uint32_t>((unix_time_us / 1000) % 1'000'000'000);
}

Result<JsEvent> mapButton(int button, double value) {
  if (!std::isfinite(value)) return fail("value is not a number");
  for (const auto& b : kButtonAxes) {
    if (b.button != button) continue;
    auto v = b.trigger ? triggerValue(value) : stickValue(value * b.sign);
    if (!v) return fail(v.error().message);
    return JsEvent{EventType::kAxis, static_cast<uint8_t>(b.axis), *v};
  }
  int mapped = button;
  for (const auto& m : kButtonMoves) {
    if (m[0] == button) mapped = m[1];
  }
  const auto count = static_cast<int>(xpadDevice().button_codes.size());
  if (mapped < 0 || mapped >= count) {
    return fail("button " + std::to_string(button) + " has no xpad button (0.." +
                std::to_string(count - 1) + ")");
  }
  auto v = toValue(std::trunc(value));  // Python's int(): toward zero
  if (!v) return fail(v.error().message);
  return JsEvent{EventType::kButton, static_cast<uint8_t>(mapped), *v};
}

Result<JsEvent> mapAxis(int axis, double value) {
  if (!std::isfinite(value)) return fail("value is not a number");
  int mapped = axis;
  for (const auto& m : kAxisMoves) {
    if (m[0] == axis) mapped = m[1];
  }
  const auto count = static_cast<int>(xpadDevice().axis_codes.size());
  if (mapped < 0 || mapped >= count) {
    return fail("axis " + std::to_string(axis) + " has no xpad axis (0.." +
                std::to_string(count - 1) + ")");
  }
  auto v = stickValue(value);
  if (!v) return fail(v.error().message);
  return JsEvent{EventType::kAxis, static_cast<uint8_t>(mapped), *v};
}

DeviceState::DeviceState()
    : buttons_(xpadDevice().button_codes.size(), 0), axes_(xpadDevice().axis_codes.size(), 0) {
  axes_[kLeftTrigger] = -kAxisMax;
  axes_[kRightTrigger] = -kAxisMax;
}

void DeviceState::apply(const JsEvent& event) {
  auto& values = event.type == EventType::kButton ? buttons_ : axes_;
  if (event.number < values.size()) values[event.number] = event.value;
}

std::vector<JsEvent> DeviceState::snapshot() const {
  std::vector<JsEvent> out;
  for (size_t i = 0; i < buttons_.size(); ++i) {
    out.push_back({EventType::kButton, static_cast<uint8_t>(i), buttons_[i]});
  }
  for (size_t i = 0; i < axes_.size(); ++i) {
    out.push_back({EventType::kAxis, static_cast<uint8_t>(i), axes_[i]});
  }
  return out;
}

}  // namespace ds::gamepad
