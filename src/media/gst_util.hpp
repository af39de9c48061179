// Small GStreamer helpers shared by the pipelines.
#pragma once

#include <gst/gst.h>

namespace ds::media {

// Elements inside `bin`, counted recursively (bins inside it and their children); 0 for nullptr.
// Read from the main loop while the pipeline runs: GStreamer locks the bin while iterating.
int elementCount(GstElement* bin);

}  // namespace ds::media
