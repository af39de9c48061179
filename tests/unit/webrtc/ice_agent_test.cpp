// configureIceAgent on a real webrtcbin: its libnice agent paces checks at 5 ms, has UPnP off
// and gathers a loopback candidate.
#include "webrtc/ice_agent.hpp"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <nice/agent.h>

#include "media/gst_util.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

TEST(IceAgent, PacesChecksAt5msWithoutUpnp) {
  const auto webrtcbin = media::sinkPtr(gst_element_factory_make("webrtcbin", nullptr));
  ASSERT_NE(webrtcbin, nullptr);
  const auto agent = niceAgentOf(webrtcbin.get());
  ASSERT_NE(agent, nullptr) << "webrtcbin's ICE agent is not libnice";
  guint pacing = 0;
  gboolean upnp = TRUE;
  g_object_get(agent.get(), "stun-pacing-timer", &pacing, "upnp", &upnp, nullptr);
  ASSERT_EQ(pacing, 20u) << "libnice's default changed: this test no longer shows a change";
  ASSERT_TRUE(upnp);

  configureIceAgent(webrtcbin.get());

  g_object_get(agent.get(), "stun-pacing-timer", &pacing, "upnp", &upnp, nullptr);
  EXPECT_EQ(pacing, kIcePacingMs);
  EXPECT_FALSE(upnp);
}

}  // namespace
}  // namespace ds::webrtc
