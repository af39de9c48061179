#include "audio/graph.hpp"

#include <unistd.h>

#include <vector>

#include "media/gst_util.hpp"

namespace ds::audio::detail {
namespace {

std::string boolText(bool v) { return v ? "true" : "false"; }

media::ElementSpec sourceSpec(const AudioOptions& o, Source source) {
  if (source == Source::kSilence) {
    // Live, timestamped by the pipeline clock like pulsesrc, in 10 ms buffers (one Opus frame).
    return {"audiotestsrc",
            "audio-src",
            {{"wave", "silence"}, {"is-live", "true"}, {"samplesperbuffer", "480"}}};
  }
  media::ElementSpec src{"pulsesrc",
                         "audio-src",
                         {{"client-name", "deskstream"},
                          {"provide-clock", boolText(o.provide_clock)},
                          {"do-timestamp", boolText(o.do_timestamp)},
                          {"buffer-time", "100000"},
                          {"latency-time", "1000"}}};
  if (!o.server.empty()) src.properties.emplace_back("server", o.server);
  if (!o.device.empty()) src.properties.emplace_back("device", o.device);
  return src;
}

}  // namespace

Result<GstElement*> buildGraph(const AudioOptions& o, Source source) {
  media::GstPtr<GstElement> pipeline =
      media::sinkPtr(gst_pipeline_new(source == Source::kSilence ? "audio-silence" : "audio"));
  const bool fec = o.packetloss_percent > 0;
  auto chain = media::buildChain(
      GST_BIN(pipeline.get()),
      {sourceSpec(o, source), media::ElementSpec{"audioconvert", "audio-convert", {}},
       media::ElementSpec{"audioresample", "audio-resample", {}},
       media::capsLink("audio/x-raw,rate=48000,channels=" + std::to_string(o.channels),
                       "audio-raw-caps"),
       media::ElementSpec{
           "opusenc",
           kEncoderName,
           {{"audio-type", "restricted-lowdelay"},
            {"bandwidth", "fullband"},
            {"bitrate-type", "cbr"},
            {"frame-size", "10"},
            {"perfect-timestamp", "true"},
            {"max-payload-size", "4000"},
            {"inband-fec", boolText(fec)},
            {"packet-loss-percentage", std::to_string(static_cast<int>(o.packetloss_percent))},
            {"bitrate", std::to_string(o.bitrate_bps)}}},
       media::ElementSpec{"rtpopuspay", kPayloaderName, {{"mtu", "1200"}, {"pt", "111"}}},
       media::capsLink(rtpCaps(o.channels), kRtpCapsName),
       media::ElementSpec{"tee", kTeeName, {{"allow-not-linked", "true"}}}});
  if (!chain) return Unexpected<Error>{chain.error()};
  return pipeline.release();  // the caller owns the pipeline (stopAndUnref)
}

// A TCP server, or a unix socket that exists. Default locations: $PULSE_RUNTIME_PATH,
// $XDG_RUNTIME_DIR/pulse, /run/user/<uid>/pulse, the system /run/pulse, and
// ~/.config/pulse/*-runtime.
bool pulseServerMayExist(const std::string& configured) {
  std::string server = configured;
  if (server.empty()) {
    const char* env = g_getenv("PULSE_SERVER");
    server = env == nullptr ? "" : env;
  }
  auto exists = [](const std::string& p) { return g_file_test(p.c_str(), G_FILE_TEST_EXISTS); };
  if (!server.empty()) {
    if (server.rfind("unix:", 0) == 0) return exists(server.substr(5));
    if (server.front() == '/') return exists(server);
    return true;  // tcp:host, host:port, lists: let libpulse try
  }
  std::vector<std::string> candidates;
  if (const char* rt = g_getenv("PULSE_RUNTIME_PATH"))
    candidates.push_back(std::string(rt) + "/native");
  if (const char* xdg = g_getenv("XDG_RUNTIME_DIR"))
    candidates.push_back(std::string(xdg) + "/pulse/native");
  candidates.push_back("/run/user/" + std::to_string(getuid()) + "/pulse/native");
  candidates.push_back("/run/pulse/native");
  for (const auto& c : candidates) {
    if (exists(c)) return true;
  }
  const std::string config_dir = std::string(g_get_home_dir()) + "/.config/pulse";
  if (GDir* dir = g_dir_open(config_dir.c_str(), 0, nullptr)) {
    bool found = false;
    while (const char* name = g_dir_read_name(dir)) {
      if (g_str_has_suffix(name, "-runtime") && exists(config_dir + "/" + name + "/native"))
        found = true;
    }
    g_dir_close(dir);
    if (found) return true;
  }
  return false;
}

std::string popError(GstElement* pipeline) {
  media::GstPtr<GstBus> bus(gst_element_get_bus(pipeline));
  media::MessagePtr msg(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
  if (msg == nullptr) return "cannot start the audio pipeline";
  const media::MessageText text = media::parseError(msg.get());
  return text.message.empty() ? "error" : text.message;
}

GstCaps* offerCaps(GstCaps* current) {
  GstCaps* caps = gst_caps_copy(current);
  gst_structure_remove_fields(gst_caps_get_structure(caps, 0), "ssrc", "timestamp-offset",
                              "seqnum-offset", nullptr);
  return caps;
}

void stopAndUnref(GstElement* pipeline) {
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

}  // namespace ds::audio::detail
