#include "media/encode_switch.hpp"

#include <gst/rtp/rtp.h>

#include <utility>

#include "core/tsan.hpp"

namespace ds::media {
namespace {

// The gate's verdict on one packet, with `*buffer` replaced by a writable copy when its sequence
// number changes. False: drop it.
bool admit(RtpSwitch& rtp, const std::string& codec, GstBuffer** buffer) {
  GstRTPBuffer in = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(*buffer, GST_MAP_READ, &in)) return !rtp.waiting();  // not RTP
  const uint16_t seq = gst_rtp_buffer_get_seq(&in);
  const bool key =
      startsKeyframe(codec, static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&in)),
                     gst_rtp_buffer_get_payload_len(&in));
  gst_rtp_buffer_unmap(&in);
  const RtpSwitch::Verdict v = rtp.onPacket(seq, key);
  if (!v.pass) return false;
  if (v.seq == seq) return true;
  *buffer = gst_buffer_make_writable(*buffer);
  GstRTPBuffer out = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(*buffer, GST_MAP_WRITE, &out)) {
    gst_rtp_buffer_set_seq(&out, v.seq);
    gst_rtp_buffer_unmap(&out);
  }
  return true;
}

struct ListPass {
  RtpSwitch* rtp;
  const std::string* codec;
};

}  // namespace

EncodeSwitch::EncodeSwitch(GstPad* sink, std::string codec)
    : sink_(refPtr(sink)), codec_(std::move(codec)) {
  core::tsanPublish(this);
  probe_ = gst_pad_add_probe(
      sink_.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      &EncodeSwitch::probe, this, nullptr);
}

EncodeSwitch::~EncodeSwitch() {
  gst_pad_remove_probe(sink_.get(), probe_);
  core::tsanJoin(this);
}

// The linked tee's streaming thread.
GstPadProbeReturn EncodeSwitch::probe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<EncodeSwitch*>(data);
  const core::TsanCallbackScope scope(self);
  const std::lock_guard<std::mutex> hold(self->lock_);
  if ((info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    return std::exchange(self->caps_seen_, true) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  }
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!admit(self->rtp_, self->codec_, &buffer)) return GST_PAD_PROBE_DROP;
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    return GST_PAD_PROBE_OK;
  }
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    ListPass pass{&self->rtp_, &self->codec_};
    gst_buffer_list_foreach(
        list,
        +[](GstBuffer** buffer, guint /*idx*/, gpointer p) -> gboolean {
          auto* lp = static_cast<ListPass*>(p);
          if (!admit(*lp->rtp, *lp->codec, buffer)) {
            gst_buffer_unref(*buffer);
            *buffer = nullptr;  // removed from the list
          }
          return TRUE;
        },
        &pass);
    GST_PAD_PROBE_INFO_DATA(info) = list;
    if (gst_buffer_list_length(list) == 0) return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

Status EncodeSwitch::move(GstElement* from, GstPtr<GstPad>& pad, GstElement* to) {
  if (from == nullptr || to == nullptr || pad == nullptr) return fail("nothing to move");
  if (from == to) return {};
  gst_element_release_request_pad(from, pad.get());
  pad.reset();
  {
    const std::lock_guard<std::mutex> hold(lock_);
    rtp_.switched();
  }
  ++moves_;
  pad.reset(gst_element_request_pad_simple(to, "src_%u"));
  if (pad == nullptr) return fail("the other encode has no pad for the viewer");
  if (gst_pad_link(pad.get(), sink_.get()) != GST_PAD_LINK_OK) {
    gst_element_release_request_pad(to, pad.get());
    pad.reset();  // the viewer is linked to neither encode now
    return fail("cannot link the viewer to the other encode");
  }
  return {};
}

uint64_t EncodeSwitch::dropped() const {
  const std::lock_guard<std::mutex> hold(lock_);
  return rtp_.dropped();
}

}  // namespace ds::media
