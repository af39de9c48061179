// Per-connection signalling state machine. Pure: it turns received frames and local events into
// a list of actions that the session layer carries out (send a frame, start a peer, apply an
// answer, add a candidate, close). Errors go to the offending peer only, as "ERROR ..." lines.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "signalling/messages.hpp"

namespace ds::signalling {

enum class PeerKind { kVideo, kAudio };

// Browser peer ids of the Selkies client: 1 = video (+ input channel), 3 = audio.
inline constexpr std::string_view kVideoUid = "1";
inline constexpr std::string_view kAudioUid = "3";

struct SendText {
  std::string text;
};
struct StartPeer {
  PeerKind kind;
  ClientMeta meta;
};
struct ApplyAnswer {
  std::string sdp;
};
struct AddRemoteIce {
  IceCandidate ice;
};
struct CloseConnection {
  int code;
  std::string reason;
};
using Action = std::variant<SendText, StartPeer, ApplyAnswer, AddRemoteIce, CloseConnection>;
using Actions = std::vector<Action>;

// Which uids are connected right now, across all connections of this server.
class UidRegistry {
 public:
  bool acquire(const std::string& uid) { return held_.insert(uid).second; }
  void release(const std::string& uid) { held_.erase(uid); }
  bool held(const std::string& uid) const { return held_.count(uid) > 0; }

 private:
  std::set<std::string> held_;
};

class Handler {
 public:
  enum class State { kAwaitHello, kRegistered, kOfferSent, kAnswered, kClosed };

  // `exclusive`: this connection takes its uid (one controller per uid); view-only connections
  // pass false and may join while the uid is held.
  explicit Handler(UidRegistry& registry, bool exclusive = true)
      : registry_(registry), exclusive_(exclusive) {}
  ~Handler() { onClosed(); }
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  // Decides whether a HELLO may start a peer (the session's peer caps). Called once per accepted
  // HELLO, after the uid checks and before any StartPeer; a refusal's message goes to the peer as
  // "ERROR <message>" and the connection is closed with 4429 (too many peers).
  using Admit = std::function<Status(PeerKind)>;
  void setAdmission(Admit admit) { admit_ = std::move(admit); }

  Actions onText(std::string_view text);
  Actions onOfferCreated(std::string_view sdp);
  Actions onLocalCandidate(std::string_view candidate, int mline_index);
  // The transport closed (either side). Releases the uid; idempotent.
  void onClosed();
  // The connection was demoted to view-only while open: it gives its uid back (if it held it)
  // so that a new controller can join, and stays on as a viewer.
  void dropControl();

  State state() const { return state_; }
  const std::string& uid() const { return uid_; }
  int errorCount() const { return errors_; }

  // After this many protocol errors the connection is closed.
  static constexpr int kMaxErrors = 20;
  // Close code of a HELLO refused by the admission: 4429, "too many" in the private range like
  // 4401 (libsoup sends 1013 "try again later" as 1002, protocol error).
  static constexpr int kRefusedCloseCode = 4429;

 private:
  Actions error(std::string message);
  Actions onHello(const Hello& hello);
  Actions onSdp(const SessionDescription& sdp);
  Actions onIce(const IceCandidate& ice);

  UidRegistry& registry_;
  bool exclusive_;
  Admit admit_;
  bool holds_uid_ = false;
  State state_ = State::kAwaitHello;
  std::string uid_;
  int errors_ = 0;
};

}  // namespace ds::signalling
