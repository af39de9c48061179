// Caps on concurrent WebRTC peers, per process and per user (docs/security.md). A peer is one
// signalling connection that said HELLO: it owns one webrtcbin (a browser tab with sound uses
// two, video and audio). Slots are taken before any GStreamer object is made and given back when
// the connection goes. Pure bookkeeping, no I/O; main-loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/result.hpp"

namespace ds::session {

struct PeerCaps {
  int total = 16;    // DESKSTREAM_MAX_PEERS
  int per_user = 8;  // DESKSTREAM_MAX_PEERS_PER_USER
};

class PeerLimits;

// One taken slot; gives it back when destroyed. Move-only.
class PeerSlot {
 public:
  PeerSlot() = default;
  PeerSlot(PeerSlot&& other) noexcept { *this = std::move(other); }
  PeerSlot& operator=(PeerSlot&& other) noexcept;
  PeerSlot(const PeerSlot&) = delete;
  PeerSlot& operator=(const PeerSlot&) = delete;
  ~PeerSlot() { reset(); }

  void reset();
  bool held() const { return limits_ != nullptr; }

 private:
  friend class PeerLimits;
  PeerSlot(PeerLimits* limits, std::string user) : limits_(limits), user_(std::move(user)) {}
  PeerLimits* limits_ = nullptr;
  std::string user_;
};

class PeerLimits {
 public:
  explicit PeerLimits(PeerCaps caps) : caps_(caps) {}
  PeerLimits(const PeerLimits&) = delete;
  PeerLimits& operator=(const PeerLimits&) = delete;

  // A slot for `user` (JWT sub, Basic user, "anonymous"), or the reason it was refused (the text
  // after "ERROR " sent to that peer; it names the setting, never the user).
  Result<PeerSlot> acquire(const std::string& user);

  int total() const { return total_; }
  int of(const std::string& user) const;
  uint64_t refused() const { return refused_; }
  const PeerCaps& caps() const { return caps_; }
  // Users holding at least one slot (the map never keeps empty entries).
  size_t users() const { return per_user_.size(); }

 private:
  friend class PeerSlot;
  void release(const std::string& user);

  PeerCaps caps_;
  int total_ = 0;
  uint64_t refused_ = 0;
  std::map<std::string, int> per_user_;
};

}  // namespace ds::session
