#include "media/main_thread.hpp"

#include <exception>
#include <string>
#include <utility>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/gst_util.hpp"

namespace ds::media {

void handleRoutineBusMessage(GstElement* pipeline, GstMessage* msg, const char* log_tag) {
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_WARNING: {
      const MessageText text = parseWarning(msg);
      log::warn(log_tag, std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
                             (text.message.empty() ? "warning" : text.message));
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(pipeline));
      break;
    default:
      break;
  }
}

void postToMain(std::function<void()> task) {
  // Always queue on the default context. (g_main_context_invoke would run the task right here,
  // on a streaming thread, whenever that thread manages to acquire the context, e.g. between
  // two iterations of a loop that is not g_main_loop_run.)
  auto* heap = new std::function<void()>(std::move(task));
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        core::tsanAcquire(data);  // the main context's queue ordered the hand-off
        auto* fn = static_cast<std::function<void()>*>(data);
        try {
          (*fn)();
        } catch (const std::exception& e) {
          log::error("main", std::string("task failed: ") + e.what());
        }
        return G_SOURCE_REMOVE;
      },
      heap,
      [](gpointer data) {
        core::tsanAcquire(data);
        delete static_cast<std::function<void()>*>(data);
      });
  core::tsanRelease(heap);
  g_source_attach(source, g_main_context_default());
  g_source_unref(source);
}

}  // namespace ds::media
