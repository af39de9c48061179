#include "media/yuv_convert.hpp"

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>
#include <libyuv/convert_from_argb.h>

#include "media/gst_util.hpp"

namespace ds::media {
namespace {

struct DsYuvConvert {
  GstVideoFilter parent;
};
struct DsYuvConvertClass {
  GstVideoFilterClass parent_class;
};

GType dsYuvConvertType();

constexpr const char* kSinkCaps = "video/x-raw, format=(string){ BGRx, BGRA }";
constexpr const char* kSrcCaps = "video/x-raw, format=(string){ NV12, I420 }";

// Each structure of `caps` with its format replaced by the other side's formats and the
// colour fields fixed (src) or dropped (sink).
GstCaps* otherSide(GstCaps* caps, GstPadDirection direction) {
  GstCaps* out = gst_caps_new_empty();
  const bool to_src = direction == GST_PAD_SINK;
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    GstStructure* s = gst_structure_copy(gst_caps_get_structure(caps, i));
    gst_structure_remove_fields(s, "format", "colorimetry", "chroma-site", nullptr);
    GValue list = G_VALUE_INIT;
    GValue v = G_VALUE_INIT;
    gst_value_list_init(&list, 2);
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_static_string(&v, to_src ? "NV12" : "BGRx");
    gst_value_list_append_value(&list, &v);
    g_value_set_static_string(&v, to_src ? "I420" : "BGRA");
    gst_value_list_append_value(&list, &v);
    gst_structure_take_value(s, "format", &list);
    g_value_unset(&v);
    if (to_src) gst_structure_set(s, "colorimetry", G_TYPE_STRING, "bt601", nullptr);
    gst_caps_append_structure(out, s);
  }
  return out;
}

GstCaps* transformCaps(GstBaseTransform* /*trans*/, GstPadDirection direction, GstCaps* caps,
                       GstCaps* filter) {
  CapsPtr out(otherSide(caps, direction));
  if (filter != nullptr)
    out.reset(gst_caps_intersect_full(filter, out.get(), GST_CAPS_INTERSECT_FIRST));
  return out.release();  // transfer full to the base class
}

GstFlowReturn transformFrame(GstVideoFilter* /*filter*/, GstVideoFrame* in, GstVideoFrame* out) {
  const auto* src = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(in, 0));
  const int src_stride = GST_VIDEO_FRAME_PLANE_STRIDE(in, 0);
  const int w = GST_VIDEO_FRAME_WIDTH(in);
  const int h = GST_VIDEO_FRAME_HEIGHT(in);
  auto plane = [out](int i) { return static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(out, i)); };
  auto stride = [out](int i) { return GST_VIDEO_FRAME_PLANE_STRIDE(out, i); };
  int rc = 0;
  // libyuv's "ARGB" is B,G,R,A in memory: GStreamer's BGRx/BGRA.
  if (GST_VIDEO_FRAME_FORMAT(out) == GST_VIDEO_FORMAT_NV12) {
    rc = libyuv::ARGBToNV12(src, src_stride, plane(0), stride(0), plane(1), stride(1), w, h);
  } else {
    rc = libyuv::ARGBToI420(src, src_stride, plane(0), stride(0), plane(1), stride(1), plane(2),
                            stride(2), w, h);
  }
  return rc == 0 ? GST_FLOW_OK : GST_FLOW_ERROR;
}

void classInit(gpointer klass, gpointer /*data*/) {
  auto* element = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_pad_template(
      element,
      gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, gst_caps_from_string(kSinkCaps)));
  gst_element_class_add_pad_template(
      element,
      gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, gst_caps_from_string(kSrcCaps)));
  gst_element_class_set_static_metadata(element, "deskstream libyuv converter",
                                        "Filter/Converter/Video",
                                        "BGRx/BGRA to NV12/I420 with libyuv", "deskstream");
  auto* base = GST_BASE_TRANSFORM_CLASS(klass);
  base->transform_caps = transformCaps;
  base->passthrough_on_same_caps = FALSE;
  GST_VIDEO_FILTER_CLASS(klass)->transform_frame = transformFrame;
}

GType dsYuvConvertType() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    const GTypeInfo info = {
        sizeof(DsYuvConvertClass), nullptr, nullptr, classInit, nullptr, nullptr,
        sizeof(DsYuvConvert),      0,       nullptr, nullptr};
    const GType t = g_type_register_static(GST_TYPE_VIDEO_FILTER, "DsYuvConvert", &info,
                                           static_cast<GTypeFlags>(0));
    g_once_init_leave(&type, t);
  }
  return type;
}

}  // namespace

void registerYuvConvert() {
  if (GstPtr<GstElementFactory>(gst_element_factory_find(kYuvConvertFactory)) != nullptr) return;
  gst_element_register(nullptr, kYuvConvertFactory, GST_RANK_NONE, dsYuvConvertType());
}

}  // namespace ds::media
