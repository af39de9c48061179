// The GStreamer RAII holders and the chain builder (media/gst_util.hpp), on real GStreamer
// objects: reference counts before and after each holder, and real bins and links.
#include "media/gst_util.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace ds::media {
namespace {

guint refs(gpointer obj) { return G_OBJECT(obj)->ref_count; }
gint miniRefs(gpointer obj) { return GST_MINI_OBJECT_REFCOUNT_VALUE(obj); }

TEST(GstPtr, SinkTakesTheFloatingReferenceAndDropsItAtScopeEnd) {
  GstElement* raw = gst_element_factory_make("fakesink", nullptr);
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(g_object_is_floating(raw));
  gst_object_ref(raw);  // a watcher reference, to see the holder's go
  {
    GstPtr<GstElement> e = sinkPtr(raw);
    EXPECT_FALSE(g_object_is_floating(raw));
    EXPECT_EQ(refs(raw), 2u);  // the holder's (sunk) and ours
  }
  EXPECT_EQ(refs(raw), 1u);
  gst_object_unref(raw);
}

TEST(GstPtr, RefPtrTakesAnExtraReferenceAdoptionDoesNot) {
  GstPtr<GstElement> owner = sinkPtr(gst_element_factory_make("fakesink", nullptr));
  ASSERT_NE(owner, nullptr);
  {
    GstPtr<GstElement> extra = refPtr(owner.get());
    EXPECT_EQ(refs(owner.get()), 2u);
    GstPtr<GstElement> moved = std::move(extra);  // moving keeps one reference
    EXPECT_EQ(refs(owner.get()), 2u);
  }
  EXPECT_EQ(refs(owner.get()), 1u);
  EXPECT_EQ(refPtr<GstElement>(nullptr), nullptr);
  GstPad* raw_pad = nullptr;
  {
    // get_static_pad returns a new reference: adopting it must not add another.
    GstPtr<GstPad> pad(gst_element_get_static_pad(owner.get(), "sink"));
    ASSERT_NE(pad, nullptr);
    raw_pad = pad.get();
    EXPECT_EQ(refs(raw_pad), 2u);  // the element's and the holder's
  }
  EXPECT_EQ(refs(raw_pad), 1u);
}

TEST(GstPtr, BinAddKeepsTheHolderReference) {
  GstPtr<GstElement> bin = sinkPtr(gst_bin_new("holder-bin"));
  GstPtr<GstElement> e = sinkPtr(gst_element_factory_make("identity", nullptr));
  ASSERT_TRUE(gst_bin_add(GST_BIN(bin.get()), e.get()));
  EXPECT_EQ(refs(e.get()), 2u);  // the bin's own and the holder's
  ASSERT_TRUE(gst_bin_remove(GST_BIN(bin.get()), e.get()));
  EXPECT_EQ(refs(e.get()), 1u);
}

TEST(CapsPtr, DropsOneReference) {
  GstCaps* raw = gst_caps_from_string("video/x-raw,width=320");
  ASSERT_NE(raw, nullptr);
  gst_caps_ref(raw);
  {
    CapsPtr caps(raw);
    EXPECT_EQ(miniRefs(raw), 2);
  }
  EXPECT_EQ(miniRefs(raw), 1);
  gst_caps_unref(raw);
}

TEST(MessagePtr, ParseErrorGivesTextAndDebugAndFreesTheMessage) {
  GstPtr<GstElement> e = sinkPtr(gst_element_factory_make("fakesink", "err-src"));
  GError* err = g_error_new_literal(GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "it broke");
  GstMessage* raw = gst_message_new_error(GST_OBJECT(e.get()), err, "the detail");
  g_error_free(err);
  gst_message_ref(raw);
  {
    MessagePtr msg(raw);
    const MessageText text = parseError(msg.get());
    EXPECT_EQ(text.message, "it broke");
    EXPECT_EQ(text.debug, "the detail");
    EXPECT_EQ(miniRefs(raw), 2);
  }
  EXPECT_EQ(miniRefs(raw), 1);
  gst_message_unref(raw);
  GstMessage* warning = gst_message_new_warning(GST_OBJECT(e.get()), nullptr, nullptr);
  const MessagePtr w(warning);
  EXPECT_EQ(parseWarning(w.get()).debug, "");
}

TEST(GCharPtr, HoldsAGFreedString) {
  const GCharPtr text(g_strdup_printf("%d-%s", 7, "x"));
  EXPECT_STREQ(text.get(), "7-x");
  const ErrorPtr err(g_error_new_literal(GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "e"));
  EXPECT_STREQ(err->message, "e");
}

TEST(BuildChain, AddsLinksAndNamesHandles) {
  GstPtr<GstElement> pipeline = sinkPtr(gst_pipeline_new("chain-test"));
  auto chain = buildChain(
      GST_BIN(pipeline.get()),
      {ChainLink({"videotestsrc", "src", {{"num-buffers", "1"}}}, "source"),
       capsLink("video/x-raw,width=64,height=48", "caps"), ChainLink({"identity", "", {}}, "mid"),
       ChainLink({"identity", "", {}}, "mid"), ChainLink({"fakesink", "sink", {}}, "sink")});
  ASSERT_TRUE(chain) << chain.error().message;
  EXPECT_EQ(chain->elements().size(), 5u);
  EXPECT_EQ(elementCount(pipeline.get()), 5);
  GstElement* src = chain->get("source");
  ASSERT_NE(src, nullptr);
  EXPECT_STREQ(GST_ELEMENT_NAME(src), "src");
  EXPECT_EQ(chain->first(), src);
  EXPECT_STREQ(GST_ELEMENT_NAME(chain->last()), "sink");
  EXPECT_EQ(chain->all("mid").size(), 2u);
  EXPECT_EQ(chain->get("nothing"), nullptr);
  EXPECT_EQ(refs(src), 1u);  // the bin's reference only: no floating or extra ref left
  int num_buffers = 0;
  g_object_get(src, "num-buffers", &num_buffers, nullptr);
  EXPECT_EQ(num_buffers, 1);
  // Linked in order: the source's src pad feeds the capsfilter named "caps".
  GstPtr<GstPad> src_pad(gst_element_get_static_pad(src, "src"));
  GstPtr<GstPad> peer(gst_pad_get_peer(src_pad.get()));
  ASSERT_NE(peer, nullptr);
  EXPECT_STREQ(GST_OBJECT_NAME(GST_OBJECT_PARENT(peer.get())), "caps");
  // And it runs: one buffer reaches EOS.
  ASSERT_NE(gst_element_set_state(pipeline.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
  MessagePtr msg(
      gst_bus_timed_pop_filtered(bus.get(), 10 * GST_SECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(msg.get()), GST_MESSAGE_EOS);
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
}

TEST(BuildChain, MissingElementIsNamedAndNothingIsLeftInTheBin) {
  GstPtr<GstElement> bin = sinkPtr(gst_bin_new("chain-missing"));
  auto chain = buildChain(GST_BIN(bin.get()), {ChainLink({"identity", "first", {}}),
                                               ChainLink({"no-such-element-ds", "second", {}})});
  ASSERT_FALSE(chain);
  EXPECT_NE(chain.error().message.find("no-such-element-ds"), std::string::npos)
      << chain.error().message;
  EXPECT_EQ(elementCount(bin.get()), 0);
}

TEST(BuildChain, LinkFailureNamesBothElementsAndNothingIsLeft) {
  GstPtr<GstElement> bin = sinkPtr(gst_bin_new("chain-unlinkable"));
  auto chain = buildChain(GST_BIN(bin.get()), {ChainLink({"audiotestsrc", "a-src", {}}),
                                               capsLink("video/x-raw", "v-caps")});
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().message, "cannot link a-src to v-caps");
  EXPECT_EQ(elementCount(bin.get()), 0);
}

TEST(BuildChain, InvalidCapsAndDuplicateNamesFail) {
  GstPtr<GstElement> bin = sinkPtr(gst_bin_new("chain-bad"));
  auto bad_caps = buildChain(GST_BIN(bin.get()), {capsLink("video/x-raw,width=(int)abc")});
  ASSERT_FALSE(bad_caps);
  EXPECT_NE(bad_caps.error().message.find("invalid caps"), std::string::npos);
  auto dup = buildChain(GST_BIN(bin.get()),
                        {ChainLink({"identity", "same", {}}), ChainLink({"identity", "same", {}})});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("same"), std::string::npos) << dup.error().message;
  EXPECT_EQ(elementCount(bin.get()), 0);
}

// The order in which the elements of a running videotestsrc ! queue ! identity ! fakesink leave
// PAUSED (their pads start flushing) and reach NULL while `stop` stops the pipeline, from their
// STATE_CHANGED messages (posted synchronously by the thread that changes the state).
std::vector<std::string> stopOrder(void (*stop)(GstElement*)) {
  GstPtr<GstElement> pipeline(gst_parse_launch(  // not floating: the top-level pipeline
      "videotestsrc name=src ! capsfilter name=caps caps=video/x-raw,width=64,height=48 ! "
      "queue name=queue ! identity name=identity ! fakesink name=sink sync=false",
      nullptr));
  EXPECT_NE(pipeline, nullptr);
  if (pipeline == nullptr) return {};
  EXPECT_NE(gst_element_set_state(pipeline.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ(gst_element_get_state(pipeline.get(), nullptr, nullptr, 5 * GST_SECOND),
            GST_STATE_CHANGE_SUCCESS);
  g_usleep(20000);  // the threads are pushing
  std::vector<std::string> order;
  GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
  gst_bus_set_sync_handler(
      bus.get(),
      +[](GstBus*, GstMessage* msg, gpointer data) {
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_STATE_CHANGED) {
          GstState old_state = GST_STATE_VOID_PENDING;
          GstState new_state = GST_STATE_VOID_PENDING;
          gst_message_parse_state_changed(msg, &old_state, &new_state, nullptr);
          const char* what = old_state == GST_STATE_PAUSED && new_state == GST_STATE_READY
                                 ? " flushing"
                                 : (new_state == GST_STATE_NULL ? " null" : nullptr);
          if (what != nullptr) {
            static_cast<std::vector<std::string>*>(data)->push_back(
                std::string(GST_MESSAGE_SRC_NAME(msg)) + what);
          }
        }
        return GST_BUS_PASS;
      },
      &order, nullptr);
  stop(pipeline.get());
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(pipeline.get(), &state, nullptr, 0);
  EXPECT_EQ(state, GST_STATE_NULL);
  return order;
}

std::ptrdiff_t at(const std::vector<std::string>& order, const std::string& event) {
  const auto it = std::find(order.begin(), order.end(), event);
  EXPECT_NE(it, order.end()) << event;
  return it - order.begin();
}

// rtph265pay (gst-plugins-good 1.22) leaks when a keyframe's new caps meet a flushing pad, as
// happens when GstBin stops the sinks first under a running encoder (an ASan CI run saw it).
TEST(StopUpstreamFirst, EachElementStopsBeforeTheOneDownstreamStartsFlushing) {
  const auto plain = stopOrder(+[](GstElement* p) { gst_element_set_state(p, GST_STATE_NULL); });
  EXPECT_LT(at(plain, "identity flushing"), at(plain, "src null"))
      << "GstBin itself flushes identity's pads while the source still runs";

  const auto ordered = stopOrder(&stopUpstreamFirst);
  const std::vector<std::string> chain = {"src", "caps", "queue", "identity", "sink"};
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    EXPECT_LT(at(ordered, chain[i] + " null"), at(ordered, chain[i + 1] + " flushing"))
        << chain[i] << " is stopped before " << chain[i + 1] << "'s pads flush";
  }
  stopUpstreamFirst(nullptr);  // nothing to stop
}

}  // namespace
}  // namespace ds::media
