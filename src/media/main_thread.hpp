// Hops work from GStreamer streaming threads to the GLib default main context, where all of
// deskstream's control logic runs. Exceptions never propagate out of the posted task.
#pragma once

#include <functional>

namespace ds::media {

// Queues `task` on the default main context (safe from any thread).
void postToMain(std::function<void()> task);

}  // namespace ds::media
