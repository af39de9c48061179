#include "media/gst_util.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "media/yuv_convert.hpp"

namespace ds::media {
namespace {

constexpr const char* kLog = "media";

MessageText parsed(GstMessage* msg, bool error) {
  GError* raw_err = nullptr;
  gchar* raw_dbg = nullptr;
  if (error) {
    gst_message_parse_error(msg, &raw_err, &raw_dbg);
  } else {
    gst_message_parse_warning(msg, &raw_err, &raw_dbg);
  }
  ErrorPtr err(raw_err);
  GCharPtr dbg(raw_dbg);
  MessageText text;
  if (err != nullptr && err->message != nullptr) text.message = err->message;
  if (dbg != nullptr) text.debug = dbg.get();
  return text;
}

// Every element `it` yields, each with a reference of its own, in its order (from the start again
// when the bin changed meanwhile); frees the iterator.
std::vector<GstPtr<GstElement>> collect(GstIterator* it) {
  std::vector<GstPtr<GstElement>> elements;
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK:
        elements.push_back(refPtr(GST_ELEMENT(g_value_get_object(&item))));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        elements.clear();
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
  return elements;
}

}  // namespace

MessageText parseError(GstMessage* msg) { return parsed(msg, true); }
MessageText parseWarning(GstMessage* msg) { return parsed(msg, false); }

GstPtr<GstObject> topLevelChild(GstElement* bin, GstObject* obj) {
  GstPtr<GstObject> top = refPtr(obj);
  for (GstPtr<GstObject> parent(gst_object_get_parent(top.get())); parent != nullptr;
       parent.reset(gst_object_get_parent(top.get()))) {
    if (parent.get() == GST_OBJECT(bin)) break;
    top = std::move(parent);
  }
  return top;
}

int elementCount(GstElement* bin) {
  if (bin == nullptr || !GST_IS_BIN(bin)) return 0;
  return static_cast<int>(collect(gst_bin_iterate_recurse(GST_BIN(bin))).size());
}

void stopUpstreamFirst(GstElement* pipeline) {
  if (pipeline == nullptr) return;
  const auto sinks_first = collect(gst_bin_iterate_sorted(GST_BIN(pipeline)));
  for (auto e = sinks_first.rbegin(); e != sinks_first.rend(); ++e) {
    gst_element_set_state(e->get(), GST_STATE_NULL);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
}

Result<GstElement*> makeCaps(const std::string& caps_text, const char* name) {
  CapsPtr caps(gst_caps_from_string(caps_text.c_str()));
  if (caps == nullptr) return fail("invalid caps: " + caps_text);
  GstElement* f = gst_element_factory_make("capsfilter", name);
  g_object_set(f, "caps", caps.get(), nullptr);
  return f;
}

Result<GstElement*> makeElement(const ElementSpec& spec) {
  if (spec.factory == kYuvConvertFactory) registerYuvConvert();
  const char* name = spec.name.empty() ? nullptr : spec.name.c_str();
  GstElement* e = gst_element_factory_make(spec.factory.c_str(), name);
  for (size_t i = 0; e == nullptr && i < spec.alternatives.size(); ++i) {
    e = gst_element_factory_make(spec.alternatives[i].c_str(), name);
  }
  if (e == nullptr) return fail("GStreamer element '" + spec.factory + "' is not available");
  for (const auto& [key, value] : spec.properties) {
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), key.c_str()) == nullptr) {
      log::debug(kLog, spec.factory + " has no property " + key + "; skipped");
      continue;
    }
    gst_util_set_object_arg(G_OBJECT(e), key.c_str(), value.c_str());
  }
  return e;
}

ChainLink capsLink(std::string caps_text, std::string name, std::string role) {
  ChainLink link(ElementSpec{"capsfilter", std::move(name), {}}, std::move(role));
  link.caps = std::move(caps_text);
  return link;
}

GstElement* Chain::get(const std::string& role) const {
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i] == role) return elements_[i];
  }
  return nullptr;
}

std::vector<GstElement*> Chain::all(const std::string& role) const {
  std::vector<GstElement*> out;
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i] == role) out.push_back(elements_[i]);
  }
  return out;
}

Result<Chain> buildChain(GstBin* bin, const std::vector<ChainLink>& links) {
  Chain chain;
  auto undo = [&] {
    for (GstElement* e : chain.elements_) gst_bin_remove(bin, e);  // the bin's ref was the only one
    chain.elements_.clear();
  };
  for (const auto& link : links) {
    auto made =
        link.caps.empty()
            ? makeElement(link.spec)
            : makeCaps(link.caps, link.spec.name.empty() ? nullptr : link.spec.name.c_str());
    if (!made) {
      undo();
      return Unexpected<Error>{made.error()};
    }
    if (!gst_bin_add(bin, *made)) {  // takes the floating reference (or drops it on failure)
      const std::string name = link.spec.name.empty() ? link.spec.factory : link.spec.name;
      undo();
      return fail("cannot add " + name + " to " + GST_OBJECT_NAME(bin) + " (name taken?)");
    }
    chain.elements_.push_back(*made);
    chain.roles_.push_back(link.role);
  }
  const auto& els = chain.elements_;
  for (size_t i = 0; i + 1 < els.size(); ++i) {
    if (!gst_element_link(els[i], els[i + 1])) {
      std::string text = std::string("cannot link ") + GST_ELEMENT_NAME(els[i]) + " to " +
                         GST_ELEMENT_NAME(els[i + 1]);
      undo();
      return fail(text);
    }
  }
  return chain;
}

}  // namespace ds::media
