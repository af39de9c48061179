// libFuzzer target: arbitrary data-channel text through the `input` grammar (input/protocol.cpp),
// one message per line, and whatever parses through the checks the session applies to it
// (viewer filter, size validation, button diffing, the gamepad mapping). Nothing may crash, and the
// parser's documented limits must hold for every accepted message.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <variant>

#include "gamepad/joystick.hpp"
#include "input/protocol.hpp"

namespace {

void check(const ds::input::Message& message, uint32_t* previous_mask) {
  using namespace ds::input;
  (void)allowedForViewer(message);
  std::visit(
      [previous_mask](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Mouse>) {
          if (m.x < -kMaxCoordinate || m.x > kMaxCoordinate || m.y < -kMaxCoordinate ||
              m.y > kMaxCoordinate || m.magnitude < 1 || m.magnitude > 10) {
            std::abort();
          }
          const auto events = diffButtons(*previous_mask, m.mask, m.magnitude);
          if (events.size() > 7 * 2 * 10) std::abort();
          *previous_mask = m.mask;
        } else if constexpr (std::is_same_v<T, Resize>) {
          if (m.size.width % 2 != 0 || m.size.height % 2 != 0) std::abort();
          (void)validateSize(m.size);
        } else if constexpr (std::is_same_v<T, ResizeToggle>) {
          if (m.size) (void)validateSize(*m.size);
        } else if constexpr (std::is_same_v<T, Scale>) {
          if (!(m.scale >= 0.75 && m.scale <= 2.5)) std::abort();
        } else if constexpr (std::is_same_v<T, Gamepad>) {
          // The parser's bounds, then the interposer mapping and encoding of whatever passes.
          if (m.index < 0 || m.index >= kMaxGamepads || m.number < 0 ||
              m.number >= kMaxGamepadButtons || m.axes < 0 || m.axes > kMaxGamepadAxes ||
              m.buttons < 0 || m.buttons > kMaxGamepadButtons || !std::isfinite(m.value) ||
              m.name.size() > 255 * 4 || !isValidUtf8(m.name)) {
            std::abort();
          }
          if (m.kind == Gamepad::Kind::kAxis && m.number >= kMaxGamepadAxes) std::abort();
          const auto event = m.kind == Gamepad::Kind::kAxis
                                 ? ds::gamepad::mapAxis(m.number, m.value)
                                 : ds::gamepad::mapButton(m.number, m.value);
          if (event) {
            if (event->number >= 11 && event->type == ds::gamepad::EventType::kButton) std::abort();
            if (event->number >= 8 && event->type == ds::gamepad::EventType::kAxis) std::abort();
            (void)ds::gamepad::encodeEvent(*event, 0);
          }
        } else if constexpr (std::is_same_v<T, ClipboardWrite>) {
          if (m.text.size() > kMaxClipboardWriteBytes || !isValidUtf8(m.text)) std::abort();
          (void)clipboardMessage(m.text);
        }
      },
      message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  uint32_t mask = 0;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const auto line = input.substr(start, end - start);
    if (auto message = ds::input::parseMessage(line)) check(*message, &mask);
    (void)ds::input::parseSize(line);
    (void)ds::input::isValidUtf8(line);
    start = end + 1;
  }
  return 0;
}
