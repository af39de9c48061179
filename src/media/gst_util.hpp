// Small GStreamer helpers shared by the pipelines: RAII holders for GStreamer/GLib references and
// the one chain builder (buildChain) the video encode, the audio graph, the encoder probe and the
// WebSocket tap use.
//
// Ownership rules of the holders (each holds exactly one reference and drops it when it goes):
//  - adopt: the holder takes over a reference the caller already owns ("transfer full" results:
//    gst_element_get_static_pad, gst_bin_get_by_name, gst_object_get_parent, gst_pad_get_peer,
//    gst_caps_from_string, gst_bus_pop...). Construct the holder from the raw pointer:
//    `GstPtr<GstPad> pad(gst_element_get_static_pad(e, "src"));`
//  - extra reference: refPtr(obj) takes a new reference of a pointer borrowed from elsewhere
//    (a callback's argument, an element the bin owns), so it stays alive as long as the holder.
//  - floating: a newly made element or bin is floating; sinkPtr(obj) sinks it (ref_sink) so the
//    holder owns a plain reference. gst_bin_add(bin, holder.get()) then adds the bin's own
//    reference and the holder keeps its one (drop it after gst_bin_remove, or when the bin is
//    gone). An element handed to a bin unsunk, as buildChain does, has the bin's reference only:
//    keep such pointers borrowed, never in a holder.
//  - a holder in a pad probe's or signal's user data must outlive the probe/handler: pass raw
//    pointers to GStreamer and keep the holder in the object that removes the probe.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/encoder_profile.hpp"

namespace ds::media {

namespace detail {
struct GstObjectUnref {
  void operator()(gpointer p) const { gst_object_unref(p); }
};
struct GObjectUnref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
struct CapsUnref {
  void operator()(GstCaps* p) const { gst_caps_unref(p); }
};
struct MessageUnref {
  void operator()(GstMessage* p) const { gst_message_unref(p); }
};
struct EventUnref {
  void operator()(GstEvent* p) const { gst_event_unref(p); }
};
struct QueryUnref {
  void operator()(GstQuery* p) const { gst_query_unref(p); }
};
struct StructureFree {
  void operator()(GstStructure* p) const { gst_structure_free(p); }
};
struct ErrorFree {
  void operator()(GError* p) const { g_error_free(p); }
};
struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
}  // namespace detail

// GstObject-derived: GstElement, GstBin, GstPad, GstBus, GstElementFactory, GstWebRTCICE...
template <typename T>
using GstPtr = std::unique_ptr<T, detail::GstObjectUnref>;
// Plain GObjects that are no GstObject (NiceAgent, GstWebRTCDataChannel, an RTP session...).
template <typename T>
using GObjectPtr = std::unique_ptr<T, detail::GObjectUnref>;
using CapsPtr = std::unique_ptr<GstCaps, detail::CapsUnref>;
using MessagePtr = std::unique_ptr<GstMessage, detail::MessageUnref>;
using EventPtr = std::unique_ptr<GstEvent, detail::EventUnref>;
using QueryPtr = std::unique_ptr<GstQuery, detail::QueryUnref>;
using StructurePtr = std::unique_ptr<GstStructure, detail::StructureFree>;
using ErrorPtr = std::unique_ptr<GError, detail::ErrorFree>;
using GCharPtr = std::unique_ptr<gchar, detail::GFree>;  // g_free'd strings

// A new reference of a borrowed GstObject (nullptr stays nullptr).
template <typename T>
GstPtr<T> refPtr(T* obj) {
  return GstPtr<T>(obj == nullptr ? nullptr : static_cast<T*>(gst_object_ref(obj)));
}
// Owns a newly made (floating) GstObject: sinks the floating reference.
template <typename T>
GstPtr<T> sinkPtr(T* obj) {
  return GstPtr<T>(obj == nullptr ? nullptr : static_cast<T*>(gst_object_ref_sink(obj)));
}

// An ERROR or WARNING message's text and debug detail ("" when absent).
struct MessageText {
  std::string message;
  std::string debug;
};
MessageText parseError(GstMessage* msg);    // GST_MESSAGE_ERROR
MessageText parseWarning(GstMessage* msg);  // GST_MESSAGE_WARNING

// The element directly inside `bin` that is, or contains, `obj` (a viewer's webrtcbin for an error
// of the DTLS decoder inside it); `obj` itself when it is not inside `bin` (any more).
GstPtr<GstObject> topLevelChild(GstElement* bin, GstObject* obj);

// Elements inside `bin`, counted recursively (bins inside it and their children); 0 for nullptr.
// Read from the main loop while the pipeline runs: GStreamer locks the bin while iterating.
int elementCount(GstElement* bin);

// Stops `pipeline` from its sources down: each element directly inside it goes to NULL in
// upstream-to-downstream order (set_state waits for that element's streaming thread), then the
// pipeline. GstBin alone stops sinks first, so an element upstream could still be pushing into
// one that is already flushing; rtph265pay (gst-plugins-good 1.22) leaks its NAL array when a
// keyframe's new caps meet a flushing pad that way.
void stopUpstreamFirst(GstElement* pipeline);

// Creates an element from a spec, setting each property from text (enums by nick). Fails with
// the factory or property that does not exist.
Result<GstElement*> makeElement(const ElementSpec& spec);
// A capsfilter named `name` with caps parsed from `caps_text`.
Result<GstElement*> makeCaps(const std::string& caps_text, const char* name);

// One element of a linear chain: an element made from `spec`, or, when `caps` is not empty, a
// capsfilter with those caps named spec.name. `role` is the handle the chain gives it back
// under (Chain::get); several links may share a role (Chain::all), and links without one are
// only in Chain::elements().
struct ChainLink {
  ChainLink(ElementSpec s, std::string r = {}) : spec(std::move(s)), role(std::move(r)) {}
  ElementSpec spec;
  std::string role;
  std::string caps;
};
// A capsfilter link ("" name: GStreamer names it).
ChainLink capsLink(std::string caps_text, std::string name = {}, std::string role = {});

// The elements of a built chain, in link order; the bin owns them (borrowed pointers).
class Chain {
 public:
  // The first element of `role`, or nullptr.
  GstElement* get(const std::string& role) const;
  // Every element of `role`, in link order.
  std::vector<GstElement*> all(const std::string& role) const;
  const std::vector<GstElement*>& elements() const { return elements_; }
  GstElement* first() const { return elements_.empty() ? nullptr : elements_.front(); }
  GstElement* last() const { return elements_.empty() ? nullptr : elements_.back(); }

 private:
  friend Result<Chain> buildChain(GstBin* bin, const std::vector<ChainLink>& links);
  std::vector<GstElement*> elements_;
  std::vector<std::string> roles_;
};

// Makes every link's element, adds them to `bin` and links them in order. On failure nothing is
// left in `bin` and the error names the element that could not be made or linked.
Result<Chain> buildChain(GstBin* bin, const std::vector<ChainLink>& links);

}  // namespace ds::media
