// The browser's gamepads as Selkies serves them to its joystick interposer: gamepad N
// (0..3) is the socket <dir>/selkies_jsN.sock while the browser has it connected. Each
// gamepad belongs to the peer that connected it: another peer can neither take it over nor
// send to it, and when its peer leaves (or loses control) its sockets go away.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "gamepad/joystick.hpp"
#include "gamepad/socket_server.hpp"

namespace ds::gamepad {

class Gamepads {
 public:
  using Owner = int;  // the peer's connection id

  explicit Gamepads(std::string socket_dir, SocketLimits limits = {});
  ~Gamepads();  // closes every socket and removes its file
  Gamepads(const Gamepads&) = delete;
  Gamepads& operator=(const Gamepads&) = delete;

  static std::string socketPath(std::string_view dir, int index);

  // js,c: opens selkies_js<index>.sock. The browser's name and counts are only logged: the
  // device is always xpadDevice(), as on Selkies. Connecting a gamepad the same peer already
  // has keeps its socket and readers.
  Status connect(Owner owner, int index, std::string_view name, int axes, int buttons);
  // js,d: closes the socket (its readers see end of file) and removes the file.
  Status disconnect(Owner owner, int index);
  Status button(Owner owner, int index, int button, double value);
  Status axis(Owner owner, int index, int axis, double value);
  // The peer left or became a viewer: every gamepad it holds is disconnected.
  void release(Owner owner);

  bool connected(int index) const;
  size_t readers(int index) const;

 private:
  struct Slot {
    Owner owner = 0;
    std::unique_ptr<SocketServer> server;
    DeviceState state;
  };
  Result<Slot*> owned(Owner owner, int index);
  void send(Slot& slot, const JsEvent& event);
  void close(int index);

  std::string dir_;
  SocketLimits limits_;
  std::array<Slot, kSlots> slots_;
};

}  // namespace ds::gamepad
