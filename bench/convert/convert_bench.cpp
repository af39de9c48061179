// Colour-conversion benchmark (docs/performance.md, "Colour conversion"): the X capture's BGRx to
// the encoders' 4:2:0, with GStreamer's videoconvert (the baseline, what Selkies uses) and with
// deskstream's libyuv element (media/yuv_convert.hpp), in the same run, on one thread. Writes JSON
// with the conditions.
//   ds_convert_bench [--frames N] [--out FILE]
#include <gst/gst.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "media/yuv_convert.hpp"

namespace {

double threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The converter runs in the source's streaming thread: the thread's CPU time between the buffer
// entering its sink pad and leaving its src pad is the conversion's own cost (nanoseconds, no
// subtraction of the source's cost, no tick-sized rounding).
struct Timing {
  double entered_ns = 0;
  double total_ns = 0;
  int frames = 0;
};

GstPadProbeReturn onEnter(GstPad* /*pad*/, GstPadProbeInfo* /*info*/, gpointer data) {
  static_cast<Timing*>(data)->entered_ns = threadCpuNs();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn onLeave(GstPad* /*pad*/, GstPadProbeInfo* /*info*/, gpointer data) {
  auto* t = static_cast<Timing*>(data);
  t->total_ns += threadCpuNs() - t->entered_ns;
  ++t->frames;
  return GST_PAD_PROBE_OK;
}

// CPU milliseconds per frame that `converter` spends on `frames` full-motion frames.
double run(const std::string& converter, int w, int h, const char* format, int frames) {
  // Snow: every frame differs, as in full-screen motion.
  const std::string desc = "videotestsrc pattern=snow num-buffers=" + std::to_string(frames) +
                           " ! video/x-raw,format=BGRx,width=" + std::to_string(w) +
                           ",height=" + std::to_string(h) + ",framerate=30/1 ! " + converter +
                           " name=conv ! video/x-raw,format=" + format + " ! fakesink sync=false";
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (p == nullptr) {
    std::cerr << "pipeline: " << (err != nullptr ? err->message : "?") << "\n";
    std::exit(2);
  }
  Timing timing;
  GstElement* conv = gst_bin_get_by_name(GST_BIN(p), "conv");
  GstPad* sink = gst_element_get_static_pad(conv, "sink");
  GstPad* src = gst_element_get_static_pad(conv, "src");
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, onEnter, &timing, nullptr);
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, onLeave, &timing, nullptr);
  gst_object_unref(sink);
  gst_object_unref(src);
  gst_object_unref(conv);
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(p);
  GstMessage* m = gst_bus_timed_pop_filtered(
      bus, GST_CLOCK_TIME_NONE, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const bool ok = m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (m != nullptr) gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  if (!ok || timing.frames == 0) {
    std::cerr << "pipeline failed: " << desc << "\n";
    std::exit(2);
  }
  return timing.total_ns / timing.frames / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int frames = 300;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
      frames = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc)
      out = argv[++i];
    else {
      std::cerr << "usage: ds_convert_bench [--frames N] [--out FILE]\n";
      return 2;
    }
  }
  if (frames < 10) frames = 10;
  gst_init(nullptr, nullptr);
  ds::media::registerYuvConvert();
  nlohmann::json result = {
      {"benchmark", "colour conversion BGRx -> 4:2:0, one thread"},
      {"cores", std::thread::hardware_concurrency()},
      {"frames", frames},
      {"source", "videotestsrc pattern=snow (every frame differs)"},
      {"unit", "CPU ms per frame of the converter (its thread's CPU time in and out of it)"},
      {"cases", nlohmann::json::array()}};
  for (auto [w, h] : {std::pair{1280, 720}, std::pair{1920, 1080}}) {
    for (const char* format : {"NV12", "I420"}) {
      const double base = run("videoconvert n-threads=1", w, h, format, frames);
      const double ours = run("dsyuvconvert", w, h, format, frames);
      nlohmann::json c = {
          {"resolution", std::to_string(w) + "x" + std::to_string(h)},
          {"format", format},
          {"fps", 30},
          {"encoder", "none (conversion only)"},
          {"baseline_videoconvert_ms", base},
          {"dsyuvconvert_ms", ours},
          {"ratio_ours_over_baseline", base > 0 ? ours / base : 0.0},
          {"one_core_pct_at_30fps", {{"videoconvert", base * 3}, {"dsyuvconvert", ours * 3}}}};
      std::printf("%dx%d %s: videoconvert %.2f ms, dsyuvconvert %.2f ms per frame (ratio %.2f)\n",
                  w, h, format, base, ours, base > 0 ? ours / base : 0.0);
      result["cases"].push_back(c);
    }
  }
  const std::string text = result.dump(1);
  if (out.empty()) {
    std::cout << text << "\n";
  } else {
    std::ofstream(out) << text << "\n";
  }
  return 0;
}
