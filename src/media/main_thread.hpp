// Hops work from GStreamer streaming threads to the GLib default main context, where all of
// deskstream's control logic runs. Exceptions never propagate out of the posted task.
#pragma once

#include <gst/gst.h>

#include <functional>

namespace ds::media {

// Queues `task` on the default main context (safe from any thread).
void postToMain(std::function<void()> task);

// The bus messages every pipeline of ours treats alike, for its bus watch: a WARNING is logged
// under `log_tag` with the posting element's name; LATENCY makes `pipeline` recompute its
// latency. Other messages are left to the caller.
void handleRoutineBusMessage(GstElement* pipeline, GstMessage* msg, const char* log_tag);

}  // namespace ds::media
