// Counts the live instances of one GObject type (exact type, not subclasses), for tests that
// check that a server frees what each connection made. Debian's GLib is built without
// G_ENABLE_DEBUG, so g_type_get_instance_count() always answers 0; instead this wraps the type's
// GObjectClass constructed/finalize for as long as it exists. One instance per Slot at a time;
// main-loop thread only (the counted objects must be made and freed on the test's thread).
#pragma once

#include <glib-object.h>

namespace ds::testing {

template <int Slot>
class LiveObjects {
 public:
  explicit LiveObjects(GType type) {
    type_ = type;
    live_ = 0;
    klass_ = static_cast<GObjectClass*>(g_type_class_ref(type));
    constructed_ = klass_->constructed;
    finalize_ = klass_->finalize;
    klass_->constructed = &LiveObjects::onConstructed;
    klass_->finalize = &LiveObjects::onFinalize;
  }
  ~LiveObjects() {
    klass_->constructed = constructed_;
    klass_->finalize = finalize_;
    g_type_class_unref(klass_);
  }
  LiveObjects(const LiveObjects&) = delete;
  LiveObjects& operator=(const LiveObjects&) = delete;

  // Made and not yet finalized since this counter was created (may be negative when objects
  // that existed before are freed).
  int live() const { return live_; }

 private:
  static void onConstructed(GObject* object) {
    if (G_OBJECT_TYPE(object) == type_) ++live_;
    if (constructed_ != nullptr) constructed_(object);
  }
  static void onFinalize(GObject* object) {
    if (G_OBJECT_TYPE(object) == type_) --live_;
    finalize_(object);
  }

  static inline GType type_ = 0;
  static inline int live_ = 0;
  static inline GObjectClass* klass_ = nullptr;
  static inline void (*constructed_)(GObject*) = nullptr;
  static inline void (*finalize_)(GObject*) = nullptr;
};

}  // namespace ds::testing
