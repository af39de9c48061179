// Value types shared by the session manager, its connections and the app that wires them: who a
// connection is, how long a token lets it stay, and the handler of its input channel.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "signalling/messages.hpp"

namespace ds::session {

// Handles the `input` data channel of one video peer (implemented by the input module, wired in
// app/). `send` queues a text message to that peer's channel.
class ChannelHandler {
 public:
  virtual ~ChannelHandler() = default;
  virtual void onOpen() = 0;
  virtual void onMessage(std::string_view text) = 0;
  // The peer lost control (a refresh with a view token): drop its input from now on.
  virtual void demote() {}
};

// How long a token-admitted connection may stay (docs/access.md §6).
struct Lease {
  std::chrono::system_clock::time_point expires_at;
  std::chrono::system_clock::time_point warn_at;        // send AUTH_EXPIRING
  std::chrono::system_clock::time_point disconnect_at;  // send AUTH_EXPIRED, close 4401
};

struct PeerInfo {
  int id;                   // connection id, unique per process
  std::string remote;       // remote address
  bool can_control = true;  // false: view-only
  signalling::ClientMeta meta;
  std::string subject;         // who (token sub, Basic user, "anonymous")
  std::optional<Lease> lease;  // set when a token admitted the connection
};

// The answer to an `AUTH <token>` refresh on the signalling socket.
struct Refreshed {
  Lease lease;
  bool can_control = false;  // the connection's role from now on (never more than before)
  std::string ok_json;       // the JSON after "AUTH_OK "
};

}  // namespace ds::session
