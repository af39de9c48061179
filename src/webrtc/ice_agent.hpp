// webrtcbin's libnice agent.
#pragma once

#include <gst/gst.h>
#include <nice/agent.h>

#include "media/gst_util.hpp"

namespace ds::webrtc {

// The libnice agent behind a webrtcbin: its "ice-agent" (a GstWebRTCICE), then that object's
// "agent" property. Returns an owning reference (the caller's holder unrefs it), or null when
// webrtcbin has no ICE agent yet or its ICE implementation is not libnice (no "agent" property).
media::GObjectPtr<NiceAgent> niceAgentOf(GstElement* webrtcbin);

}  // namespace ds::webrtc
