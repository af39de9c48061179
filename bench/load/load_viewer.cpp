// A light WebRTC viewer for load measurements: N viewers in one process, each a signalling
// WebSocket (libsoup) and a receive-only webrtcbin that answers deskstream's offer, exchanges
// ICE and counts the RTP it receives (packets, bytes, frames by the RTP marker bit) without
// depayloading or decoding anything. It speaks deskstream's (Selkies') signalling: `HELLO 1`,
// then JSON {"sdp": {...}} and {"ice": {...}} both ways (docs/selkies-compat.md).
//
//   ds_load_viewer --url ws://127.0.0.1:8080/webrtc/signalling/ [--token JWT] [--viewers N]
//                  [--seconds S]
//
// Every second it prints one JSON line: {"t": s, "connected": k, "viewers": [{"packets": ..,
// "bytes": .., "frames": ..}, ...]}. It exits after S seconds (0 = run until killed), with 1
// when a viewer's signalling failed.
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct Counters {
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> frames{0};
};

struct Viewer {
  int index = 0;
  SoupWebsocketConnection* ws = nullptr;
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;
  std::shared_ptr<Counters> counters = std::make_shared<Counters>();
  std::atomic<bool> connected{false};
  bool failed = false;
};

// Runs `fn` on the main loop (webrtcbin signals come from its own threads; libsoup is not
// thread-safe).
void onMain(std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer d) -> gboolean {
        (*static_cast<std::function<void()>*>(d))();
        return G_SOURCE_REMOVE;
      },
      heap, [](gpointer d) { delete static_cast<std::function<void()>*>(d); });
}

void send(Viewer* v, const json& j) {
  const std::string text = j.dump();
  onMain([v, text] {
    if (v->ws != nullptr &&
        soup_websocket_connection_get_state(v->ws) == SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_send_text(v->ws, text.c_str());
    }
  });
}

GstPadProbeReturn countRtp(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  auto& c = *static_cast<Counters*>(data);
  auto count = [&c](GstBuffer* buf) {
    c.packets.fetch_add(1, std::memory_order_relaxed);
    c.bytes.fetch_add(gst_buffer_get_size(buf), std::memory_order_relaxed);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) {
      if (gst_rtp_buffer_get_marker(&rtp)) c.frames.fetch_add(1, std::memory_order_relaxed);
      gst_rtp_buffer_unmap(&rtp);
    }
  };
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    count(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) count(gst_buffer_list_get(list, i));
  }
  return GST_PAD_PROBE_OK;
}

void onPadAdded(GstElement* /*webrtc*/, GstPad* pad, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(v->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  // Video only: the one stream deskstream sends on this peer connection.
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      countRtp, v->counters.get(), nullptr);
}

void onIceCandidate(GstElement* /*webrtc*/, guint mline, gchar* candidate, gpointer data) {
  send(static_cast<Viewer*>(data), {{"ice", {{"candidate", candidate}, {"sdpMLineIndex", mline}}}});
}

void onIceState(GObject* webrtc, GParamSpec* /*pspec*/, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  GstWebRTCICEConnectionState state;
  g_object_get(webrtc, "ice-connection-state", &state, nullptr);
  v->connected = state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
                 state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED;
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
    std::cerr << "viewer " << v->index << ": ICE failed\n";
  }
}

void onAnswerCreated(GstPromise* promise, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  const GstStructure* reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription* answer = nullptr;
  if (reply != nullptr) {
    gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  }
  gst_promise_unref(promise);
  if (answer == nullptr) {
    std::cerr << "viewer " << v->index << ": webrtcbin made no answer\n";
    return;
  }
  g_signal_emit_by_name(v->webrtc, "set-local-description", answer, nullptr);
  gchar* text = gst_sdp_message_as_text(answer->sdp);
  send(v, {{"sdp", {{"type", "answer"}, {"sdp", text}}}});
  g_free(text);
  gst_webrtc_session_description_free(answer);
}

void onOffer(Viewer* v, const std::string& sdp_text) {
  if (v->pipeline != nullptr) return;  // one negotiation per viewer
  v->pipeline = gst_pipeline_new(nullptr);
  v->webrtc = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(v->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add(GST_BIN(v->pipeline), v->webrtc);
  g_signal_connect(v->webrtc, "pad-added", G_CALLBACK(onPadAdded), v);
  g_signal_connect(v->webrtc, "on-ice-candidate", G_CALLBACK(onIceCandidate), v);
  g_signal_connect(v->webrtc, "notify::ice-connection-state", G_CALLBACK(onIceState), v);
  gst_element_set_state(v->pipeline, GST_STATE_PLAYING);
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new(&sdp);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp_text.data()),
                                   static_cast<guint>(sdp_text.size()), sdp) != GST_SDP_OK) {
    std::cerr << "viewer " << v->index << ": unparsable offer\n";
    gst_sdp_message_free(sdp);
    return;
  }
  GstWebRTCSessionDescription* offer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name(v->webrtc, "set-remote-description", offer, nullptr);
  gst_webrtc_session_description_free(offer);
  g_signal_emit_by_name(v->webrtc, "create-answer", nullptr,
                        gst_promise_new_with_change_func(onAnswerCreated, v, nullptr));
}

void onMessage(SoupWebsocketConnection* /*ws*/, gint type, GBytes* message, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
  gsize size = 0;
  const char* bytes = static_cast<const char*>(g_bytes_get_data(message, &size));
  const std::string text(bytes, size);
  if (text == "HELLO") return;
  if (text.rfind("ERROR", 0) == 0) {
    std::cerr << "viewer " << v->index << ": " << text << "\n";
    return;
  }
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return;
  if (auto it = j.find("sdp"); it != j.end() && it->value("type", "") == "offer") {
    onOffer(v, it->value("sdp", ""));
  } else if (auto ice = j.find("ice"); ice != j.end() && v->webrtc != nullptr) {
    const std::string cand = ice->value("candidate", "");
    if (!cand.empty()) {
      g_signal_emit_by_name(v->webrtc, "add-ice-candidate", ice->value("sdpMLineIndex", 0u),
                            cand.c_str());
    }
  }
}

void onClosed(SoupWebsocketConnection* ws, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  std::cerr << "viewer " << v->index << ": signalling closed ("
            << soup_websocket_connection_get_close_code(ws) << ")\n";
  v->failed = true;
}

void onConnected(GObject* session, GAsyncResult* result, gpointer data) {
  auto* v = static_cast<Viewer*>(data);
  GError* error = nullptr;
  v->ws = soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &error);
  if (v->ws == nullptr) {
    std::cerr << "viewer " << v->index << ": " << (error != nullptr ? error->message : "?") << "\n";
    g_clear_error(&error);
    v->failed = true;
    return;
  }
  soup_websocket_connection_set_max_incoming_payload_size(v->ws, 1 << 20);
  g_signal_connect(v->ws, "message", G_CALLBACK(onMessage), v);
  g_signal_connect(v->ws, "closed", G_CALLBACK(onClosed), v);
  soup_websocket_connection_send_text(v->ws, "HELLO 1");
}

struct Args {
  std::string url;
  std::string token;
  int viewers = 1;
  int seconds = 0;
};

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string val = argv[i + 1];
    if (k == "--url") {
      a.url = val;
    } else if (k == "--token") {
      a.token = val;
    } else if (k == "--viewers") {
      a.viewers = std::atoi(val.c_str());
    } else if (k == "--seconds") {
      a.seconds = std::atoi(val.c_str());
    } else {
      return false;
    }
  }
  return !a.url.empty() && a.viewers > 0 && a.viewers <= 256 && a.seconds >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, args)) {
    std::cerr << "usage: ds_load_viewer --url ws://HOST:PORT/webrtc/signalling/ [--token JWT] "
                 "[--viewers 1..256] [--seconds S]\n";
    return 2;
  }
  gst_init(nullptr, nullptr);
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  SoupSession* session = soup_session_new();
  std::vector<std::unique_ptr<Viewer>> viewers;
  for (int i = 0; i < args.viewers; ++i) {
    auto v = std::make_unique<Viewer>();
    v->index = i;
    SoupMessage* msg = soup_message_new("GET", args.url.c_str());
    if (msg == nullptr) {
      std::cerr << "bad --url " << args.url << "\n";
      return 2;
    }
    if (!args.token.empty()) {
      soup_message_headers_append(soup_message_get_request_headers(msg), "Authorization",
                                  ("Bearer " + args.token).c_str());
    }
    soup_session_websocket_connect_async(session, msg, nullptr, nullptr, G_PRIORITY_DEFAULT,
                                         nullptr, onConnected, v.get());
    g_object_unref(msg);
    viewers.push_back(std::move(v));
  }
  struct Tick {
    std::vector<std::unique_ptr<Viewer>>* viewers;
    GMainLoop* loop;
    int seconds;
    int t = 0;
  } tick{&viewers, loop, args.seconds};
  g_timeout_add_seconds(
      1,
      [](gpointer d) -> gboolean {
        auto* k = static_cast<Tick*>(d);
        ++k->t;
        json line = {{"t", k->t}};
        int connected = 0;
        json list = json::array();
        for (const auto& v : *k->viewers) {
          connected += v->connected ? 1 : 0;
          list.push_back({{"packets", v->counters->packets.load()},
                          {"bytes", v->counters->bytes.load()},
                          {"frames", v->counters->frames.load()},
                          {"failed", v->failed}});
        }
        line["connected"] = connected;
        line["viewers"] = std::move(list);
        std::cout << line.dump() << std::endl;
        if (k->seconds > 0 && k->t >= k->seconds) g_main_loop_quit(k->loop);
        return G_SOURCE_CONTINUE;
      },
      &tick);
  g_main_loop_run(loop);
  bool failed = false;
  for (auto& v : viewers) {
    failed = failed || v->failed;
    if (v->ws != nullptr) {
      g_signal_handlers_disconnect_by_data(v->ws, v.get());
      if (soup_websocket_connection_get_state(v->ws) == SOUP_WEBSOCKET_STATE_OPEN) {
        soup_websocket_connection_close(v->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      }
      g_object_unref(v->ws);
    }
    if (v->pipeline != nullptr) {
      gst_element_set_state(v->pipeline, GST_STATE_NULL);
      gst_object_unref(v->pipeline);
    }
  }
  g_object_unref(session);
  g_main_loop_unref(loop);
  return failed ? 1 : 0;
}
