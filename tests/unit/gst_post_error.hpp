// Posts an ERROR message from an element, as a failing element would (GST_ELEMENT_ERROR).
#pragma once

#include <gst/gst.h>

namespace ds::testing {

inline void postError(GstElement* from, GQuark domain, gint code, const char* text) {
  GError* error = g_error_new_literal(domain, code, text);
  gst_element_post_message(from, gst_message_new_error(GST_OBJECT(from), error, "injected"));
  g_error_free(error);  // the message holds a copy
}

}  // namespace ds::testing
