// webrtcbin's libnice agent.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include <string>

#include "media/gst_util.hpp"

namespace ds::webrtc {

// The libnice agent behind a webrtcbin: its "ice-agent" (a GstWebRTCICE), then that object's
// "agent" property. Returns an owning reference (the caller's holder unrefs it), or null when
// webrtcbin has no ICE agent yet or its ICE implementation is not libnice (no "agent" property).
media::GObjectPtr<NiceAgent> niceAgentOf(GstElement* webrtcbin);
// The same from webrtcbin's ICE object (GStreamer's libnice-based GstWebRTCNice).
media::GObjectPtr<NiceAgent> niceAgentOf(GstWebRTCICE* ice);

}  // namespace ds::webrtc

namespace ds::webrtc {

// Call before a webrtcbin leaves PLAYING for good: its transport bins (receive and send) stop
// listening to their ICE transport's state (ice_release.cpp says why). Returns how many
// handlers were disconnected.
int disarmTransportBins(GstElement* webrtcbin);

// Call before dropping a webrtcbin: keeps its libnice agent until the agent's thread has stopped,
// then releases what libnice 0.1.21 can leave behind, and the agent with it (ice_release.cpp).
// `name` is for the log. Main thread; the agent goes on the default main context's loop.
void releaseIceAgentLater(GstElement* webrtcbin, const std::string& name);

}  // namespace ds::webrtc
