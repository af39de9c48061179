// ThreadSanitizer annotations for hand-offs that go through code TSan cannot see. GLib's locks
// (GMutex, GCond, GAsyncQueue, the main context's queue of sources) are futex-based and
// Debian's GLib is not instrumented, so a task handed from a streaming thread to the main loop
// looks, to TSan, like two threads touching the same memory with nothing between them. Release
// before the hand-off and acquire after it say what the hidden lock does. No-ops in other
// builds.
#pragma once

#include <utility>

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

// User data for a GStreamer callback (a pad probe, signal handler, promise or pool task) is
// written by the thread that installs the callback and read on a GStreamer thread, and freed
// once no callback can run, with only GLib's locks ordering the three. So:
//  - tsanPublish(data) once it is written, before the callback is installed (or the pipeline
//    started);
//  - a TsanCallbackScope over the callback's body: it acquires the publication and, at its end,
//    releases what the callback did to whoever frees the data;
//  - tsanJoin(data) just before freeing it, when no callback can run any more: in its destroy
//    notify, or after the state change to NULL that stopped the streaming threads.
// Two keys (data, data + 1) keep callbacks on different streaming threads from seeming ordered
// with each other: only the owner's publication and the final join are.
inline void tsanPublish(const void* data) { tsanRelease(const_cast<void*>(data)); }

inline void tsanJoin(const void* data) {
  tsanAcquire(const_cast<void*>(data));  // a notify may run where no callback ever did
  tsanAcquire(const_cast<char*>(static_cast<const char*>(data)) + 1);
}

// The usual pair for heap user data: made and published in one step, and the destroy notify
// (a GDestroyNotify) that joins before deleting.
template <typename T, typename... Args>
T* newCallbackData(Args&&... args) {
  T* data = new T(std::forward<Args>(args)...);
  tsanPublish(data);
  return data;
}

template <typename T>
void deleteCallbackData(void* data) {
  tsanJoin(data);
  delete static_cast<T*>(data);
}

class TsanCallbackScope {
 public:
  explicit TsanCallbackScope(const void* data) : data_(data) {
    tsanAcquire(const_cast<void*>(data));
  }
  ~TsanCallbackScope() { tsanRelease(const_cast<char*>(static_cast<const char*>(data_)) + 1); }
  TsanCallbackScope(const TsanCallbackScope&) = delete;
  TsanCallbackScope& operator=(const TsanCallbackScope&) = delete;

 private:
  [[maybe_unused]] const void* data_;
};

}  // namespace ds::core
