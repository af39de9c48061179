// ThreadSanitizer annotations for hand-offs that go through code TSan cannot see. GLib's locks
// (GMutex, GCond, GAsyncQueue, the main context's queue of sources) are futex-based and
// Debian's GLib is not instrumented, so a task handed from a streaming thread to the main loop
// looks, to TSan, like two threads touching the same memory with nothing between them. Release
// before the hand-off and acquire after it say what the hidden lock does. No-ops in other
// builds.
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);  // NOLINT(bugprone-reserved-identifier)
extern "C" void __tsan_release(void* addr);  // NOLINT(bugprone-reserved-identifier)
#endif

namespace ds::core {

inline void tsanRelease([[maybe_unused]] void* addr) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(addr);
#endif
}

inline void tsanAcquire([[maybe_unused]] void* addr) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(addr);
#endif
}

}  // namespace ds::core
