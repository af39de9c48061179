#include "media/gst_util.hpp"

namespace ds::media {

int elementCount(GstElement* bin) {
  if (bin == nullptr || !GST_IS_BIN(bin)) return 0;
  int count = 0;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK:
        ++count;
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:  // the bin changed meanwhile: count again
        count = 0;
        gst_iterator_resync(it);
        break;
      case GST_ITERATOR_ERROR:
      case GST_ITERATOR_DONE:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return count;
}

}  // namespace ds::media
