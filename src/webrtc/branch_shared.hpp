// Internal to webrtc/: what webrtcbin's callbacks of a PeerBranch reach (peer_branch.cpp and
// peer_branch_sdp.cpp). Every callback gets a weak_ptr to the branch's Shared part, so a late
// callback after the branch is gone finds nothing.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <utility>

#include "core/tsan.hpp"
#include "media/main_thread.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {

// What webrtcbin's threads may reach: a back pointer valid while the branch lives.
struct PeerBranch::Shared {
  PeerBranch* owner;
};

namespace detail {

inline constexpr const char* kLog = "webrtc";
using Weak = std::weak_ptr<PeerBranch::Shared>;

// User data for a signal handler, pad probe or promise: a new weak_ptr, freed by its notify.
// (The TSan calls say what GLib's locks order: core/tsan.hpp.)
inline gpointer weakData(const std::shared_ptr<PeerBranch::Shared>& s) {
  return core::newCallbackData<Weak>(s);
}
inline void freeWeakNotify(gpointer data) { core::deleteCallbackData<Weak>(data); }
inline void freeWeak(gpointer data, GClosure* /*closure*/) { freeWeakNotify(data); }

// Runs `fn(owner)` on the main loop if the branch still exists then.
template <typename Fn>
void onMain(gpointer data, Fn fn) {
  const core::TsanCallbackScope scope(data);
  Weak weak = *static_cast<Weak*>(data);
  media::postToMain([weak, fn = std::move(fn)]() mutable {
    if (auto s = weak.lock()) fn(*s->owner);
  });
}

}  // namespace detail
}  // namespace ds::webrtc
