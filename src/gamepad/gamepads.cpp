#include "gamepad/gamepads.hpp"

#include <glib.h>

#include "core/log.hpp"

namespace ds::gamepad {
namespace {

constexpr const char* kLog = "gamepad";

bool validIndex(int index) { return index >= 0 && index < kSlots; }

std::vector<uint8_t> greeting(const DeviceState& state) {
  const auto config = encodeConfig(xpadDevice());
  std::vector<uint8_t> out(config.begin(), config.end());
  const uint32_t now = eventTime(g_get_real_time());
  for (const JsEvent& e : state.snapshot()) {
    const auto bytes = encodeEvent(e, now);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

}  // namespace

Gamepads::Gamepads(std::string socket_dir, SocketLimits limits)
    : dir_(std::move(socket_dir)), limits_(limits) {}

Gamepads::~Gamepads() {
  for (int i = 0; i < kSlots; ++i) {
    try {
      close(i);
    } catch (...) {  // NOLINT(bugprone-empty-catch): only the log line can throw; the socket
    }                // is closed and its file removed by ~SocketServer either way
  }
}

std::string Gamepads::socketPath(std::string_view dir, int index) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path += '/';
  return path + "selkies_js" + std::to_string(index) + ".sock";
}

bool Gamepads::connected(int index) const {
  return validIndex(index) && slots_[static_cast<size_t>(index)].server != nullptr;
}

size_t Gamepads::readers(int index) const {
  return connected(index) ? slots_[static_cast<size_t>(index)].server->readers() : 0;
}

Status Gamepads::connect(Owner owner, int index, std::string_view name, int axes, int buttons) {
  if (!validIndex(index)) return fail("gamepad " + std::to_string(index) + " out of range 0..3");
  Slot& slot = slots_[static_cast<size_t>(index)];
  const std::string what = "gamepad " + std::to_string(index) + " ('" + std::string(name) + "', " +
                           std::to_string(buttons) + " buttons, " + std::to_string(axes) + " axes)";
  if (slot.server != nullptr) {
    if (slot.owner != owner) return fail("gamepad " + std::to_string(index) + " is another peer's");
    log::info(kLog, what + " connected again; keeping " + slot.server->path());
    return {};
  }
  auto server = SocketServer::open(socketPath(dir_, index), limits_);
  if (!server) return fail(server.error().message);
  slot.owner = owner;
  slot.state = DeviceState();
  slot.server = std::move(*server);
  slot.server->setGreeting([state = &slot.state] { return greeting(*state); });
  log::info(kLog, what + " at " + slot.server->path());
  return {};
}

Status Gamepads::disconnect(Owner owner, int index) {
  auto slot = owned(owner, index);
  if (!slot) return fail(slot.error().message);
  close(index);
  return {};
}

Result<Gamepads::Slot*> Gamepads::owned(Owner owner, int index) {
  if (!validIndex(index)) return fail("gamepad " + std::to_string(index) + " out of range 0..3");
  Slot& slot = slots_[static_cast<size_t>(index)];
  if (slot.server == nullptr) return fail("gamepad " + std::to_string(index) + " is not connected");
  if (slot.owner != owner) return fail("gamepad " + std::to_string(index) + " is another peer's");
  return &slot;
}

Status Gamepads::button(Owner owner, int index, int number, double value) {
  auto slot = owned(owner, index);
  if (!slot) return fail(slot.error().message);
  auto event = mapButton(number, value);
  if (!event) return fail(event.error().message);
  send(**slot, *event);
  return {};
}

Status Gamepads::axis(Owner owner, int index, int number, double value) {
  auto slot = owned(owner, index);
  if (!slot) return fail(slot.error().message);
  auto event = mapAxis(number, value);
  if (!event) return fail(event.error().message);
  send(**slot, *event);
  return {};
}

void Gamepads::send(Slot& slot, const JsEvent& event) {
  slot.state.apply(event);
  const auto bytes = encodeEvent(event, eventTime(g_get_real_time()));
  slot.server->broadcast(bytes.data(), bytes.size());
}

void Gamepads::release(Owner owner) {
  for (int i = 0; i < kSlots; ++i) {
    if (slots_[static_cast<size_t>(i)].server != nullptr &&
        slots_[static_cast<size_t>(i)].owner == owner) {
      close(i);
    }
  }
}

void Gamepads::close(int index) {
  Slot& slot = slots_[static_cast<size_t>(index)];
  if (slot.server == nullptr) return;
  log::info(kLog, "gamepad " + std::to_string(index) + " disconnected; " + slot.server->path() +
                      " removed");
  slot.server.reset();
  slot.owner = 0;
}

}  // namespace ds::gamepad
