// Why a viewer's webrtcbin needs help to go away completely (GStreamer 1.22, libnice 0.1.21).
//
// disarmTransportBins (the cause found): webrtcbin's TransportReceiveBin listens to its ICE
// transport's "state" and, while ICE is not connected, blocks its RTP pad with a probe whose
// record holds a reference to the bin. Leaving READY for NULL frees that record, but the handler
// is never disconnected: a state change after the bin reached NULL (the agent's thread runs until
// webrtcbin is finalized; a viewer who leaves during ICE checks makes one likely) blocks the pad
// again, and the record keeps the bin alive for good, with its nicesrc, so the libnice agent,
// its sockets (a UDP socket and a TCP listener per local address) and its main contexts. The
// GStreamer leaks tracer showed that bin, its nicesrc and its dtlssrtpdec as the only survivors
// in the soak, about once in 200 page reloads (docs/testing.md). So the handlers go first. The
// TransportSendBin's handler on the same signal is never disconnected from the ICE transport
// either (its dispose only leaves nicesink's), so a late state change would reach a freed bin:
// its handlers go too.
//
// releaseIceAgentLater (the witness): detach() hands the agent here before it drops webrtcbin.
// We hold a reference until webrtcbin's GstWebRTCNice is gone (its finalize joins the agent's
// thread), then read a property and drop ours. Reading a property takes libnice's lock and, on
// unlocking, emits the signals it queued: libnice queues each with a reference to the agent, and
// one path (a hang-up on an ICE-TCP socket) unlocks without emitting them, which read from the
// code could keep an agent alive too; no soak has shown it (the log line below would say so).
// Any other reference left at that point is logged as a warning: the leak is seen, not guessed.
#include <gst/webrtc/webrtc.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "webrtc/ice_agent.hpp"

namespace ds::webrtc {
namespace {

constexpr const char* kLog = "webrtc";
constexpr guint kPollMs = 250;
constexpr int kMaxPolls = 120;  // 30 s

struct Release {
  Release(std::string n, GObject* webrtcbin_object, GObject* ice_object,
          media::GObjectPtr<NiceAgent> a)
      : name(std::move(n)), agent(std::move(a)) {
    g_weak_ref_init(&webrtcbin, webrtcbin_object);
    g_weak_ref_init(&ice, ice_object);
  }
  ~Release() {
    g_weak_ref_clear(&webrtcbin);
    g_weak_ref_clear(&ice);
  }
  Release(const Release&) = delete;
  Release& operator=(const Release&) = delete;

  std::string name;
  GWeakRef webrtcbin;  // for the log: who kept the agent's thread going
  GWeakRef ice;        // the GstWebRTCNice: gone once its thread has stopped
  media::GObjectPtr<NiceAgent> agent;
  int polls = 0;
};

guint refCount(gpointer object) {
  return static_cast<guint>(g_atomic_int_get(&G_OBJECT(object)->ref_count));
}

gboolean poll(gpointer data) noexcept {
  auto* r = static_cast<Release*>(data);
  if (auto* ice = static_cast<GObject*>(g_weak_ref_get(&r->ice)); ice != nullptr) {
    g_object_unref(ice);
    if (++r->polls < kMaxPolls) return G_SOURCE_CONTINUE;
    auto* bin = static_cast<GObject*>(g_weak_ref_get(&r->webrtcbin));
    const guint bin_refs = bin != nullptr ? refCount(bin) - 1 : 0;
    if (bin != nullptr) g_object_unref(bin);
    log::warn(kLog, "peer " + r->name + ": its ICE agent is still in use " +
                        std::to_string(kMaxPolls * kPollMs / 1000) + " s after it left (" +
                        (bin != nullptr
                             ? "its webrtcbin has " + std::to_string(bin_refs) + " reference(s)"
                             : "its webrtcbin is gone") +
                        ")");
    return G_SOURCE_REMOVE;
  }
  const guint before = refCount(r->agent.get());
  gboolean controlling = FALSE;
  g_object_get(r->agent.get(), "controlling-mode", &controlling, nullptr);  // flushes the queue
  const guint after = refCount(r->agent.get());
  if (after < before) {
    log::info(kLog, "peer " + r->name + ": released " + std::to_string(before - after) +
                        " reference(s) to its ICE agent left in libnice's signal queue");
  }
  if (after > 1) {
    log::warn(kLog, "peer " + r->name + ": its ICE agent has " + std::to_string(after - 1) +
                        " other reference(s) after ICE stopped; its sockets stay open");
  }
  return G_SOURCE_REMOVE;  // the destroy notify drops our reference
}

using ObjectPtr = media::GObjectPtr<GObject>;

// An object-valued property (owned reference), null when unset.
ObjectPtr objectProperty(gpointer holder, const char* name) {
  GObject* value = nullptr;
  g_object_get(holder, name, &value, nullptr);
  return ObjectPtr(value);
}

// The ICE transport behind `holder`'s DTLS transport (a sender's, receiver's or SCTP transport's).
void addTransportOf(const ObjectPtr& holder, std::vector<ObjectPtr>* out) {
  if (holder == nullptr ||
      g_object_class_find_property(G_OBJECT_GET_CLASS(holder.get()), "transport") == nullptr) {
    return;
  }
  const ObjectPtr dtls = objectProperty(holder.get(), "transport");
  if (dtls == nullptr) return;
  if (ObjectPtr ice = objectProperty(dtls.get(), "transport"); ice != nullptr) {
    out->push_back(std::move(ice));
  }
}

// Every ICE transport webrtcbin has handed out: its transceivers' and its SCTP transport's.
std::vector<ObjectPtr> iceTransports(GstElement* webrtcbin) {
  std::vector<ObjectPtr> out;
  GArray* transceivers = nullptr;
  g_signal_emit_by_name(webrtcbin, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != nullptr && i < transceivers->len; ++i) {
    auto* t = g_array_index(transceivers, GstWebRTCRTPTransceiver*, i);
    addTransportOf(objectProperty(t, "sender"), &out);
    addTransportOf(objectProperty(t, "receiver"), &out);
  }
  if (transceivers != nullptr) g_array_unref(transceivers);  // unrefs the transceivers
  addTransportOf(objectProperty(webrtcbin, "sctp-transport"), &out);
  return out;
}

// webrtcbin's children that are transport bins (borrowed).
std::vector<GstElement*> transportBins(GstElement* webrtcbin) {
  std::vector<GstElement*> out;
  GST_OBJECT_LOCK(webrtcbin);
  for (GList* l = GST_BIN_CHILDREN(GST_BIN(webrtcbin)); l != nullptr; l = l->next) {
    const char* type = G_OBJECT_TYPE_NAME(l->data);
    if (std::strcmp(type, "TransportReceiveBin") == 0 ||
        std::strcmp(type, "TransportSendBin") == 0) {
      out.push_back(GST_ELEMENT(l->data));
    }
  }
  GST_OBJECT_UNLOCK(webrtcbin);
  return out;
}

}  // namespace

int disarmTransportBins(GstElement* webrtcbin) {
  const auto bins = transportBins(webrtcbin);
  if (bins.empty()) return 0;
  int disconnected = 0;
  for (const auto& ice : iceTransports(webrtcbin)) {
    for (GstElement* bin : bins) {
      disconnected += static_cast<int>(g_signal_handlers_disconnect_matched(
          ice.get(), G_SIGNAL_MATCH_DATA, 0, 0, nullptr, nullptr, bin));
    }
  }
  return disconnected;
}

void releaseIceAgentLater(GstElement* webrtcbin, const std::string& name) {
  GstWebRTCICE* raw_ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &raw_ice, nullptr);
  const media::GstPtr<GstWebRTCICE> ice(raw_ice);
  auto agent = niceAgentOf(ice.get());
  if (agent == nullptr) return;
  auto* release = new Release(name, G_OBJECT(webrtcbin), G_OBJECT(ice.get()), std::move(agent));
  g_timeout_add_full(G_PRIORITY_DEFAULT, kPollMs, &poll, release,
                     [](gpointer data) { delete static_cast<Release*>(data); });
}

}  // namespace ds::webrtc
