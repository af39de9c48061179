#include "session/peer_limits.hpp"

#include <utility>

namespace ds::session {

PeerSlot& PeerSlot::operator=(PeerSlot&& other) noexcept {
  if (this != &other) {
    reset();
    limits_ = std::exchange(other.limits_, nullptr);
    user_ = std::move(other.user_);
  }
  return *this;
}

void PeerSlot::reset() {
  if (auto* limits = std::exchange(limits_, nullptr)) limits->release(user_);
}

Result<PeerSlot> PeerLimits::acquire(const std::string& user) {
  const int mine = of(user);
  if (mine >= caps_.per_user) {
    ++refused_;
    return fail("too many peers for this user: " + std::to_string(mine) + " of " +
                std::to_string(caps_.per_user) +
                " in use (DESKSTREAM_MAX_PEERS_PER_USER); close another tab or try again later");
  }
  if (total_ >= caps_.total) {
    ++refused_;
    return fail("too many peers on this server: " + std::to_string(total_) + " of " +
                std::to_string(caps_.total) + " in use (DESKSTREAM_MAX_PEERS); try again later");
  }
  ++total_;
  ++per_user_[user];
  return PeerSlot(this, user);
}

int PeerLimits::of(const std::string& user) const {
  auto it = per_user_.find(user);
  return it == per_user_.end() ? 0 : it->second;
}

void PeerLimits::release(const std::string& user) {
  auto it = per_user_.find(user);
  if (it == per_user_.end()) return;
  if (--it->second <= 0) per_user_.erase(it);
  if (total_ > 0) --total_;
}

}  // namespace ds::session
