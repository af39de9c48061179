#include "webrtc/ice_agent.hpp"

#include <gst/webrtc/webrtc.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nice/agent.h>

#include "core/log.hpp"
#include "media/gst_util.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {

media::GObjectPtr<NiceAgent> niceAgentOf(GstWebRTCICE* ice) {
  if (ice == nullptr) return nullptr;
  NiceAgent* agent = nullptr;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent") != nullptr) {
    g_object_get(ice, "agent", &agent, nullptr);
  }
  return media::GObjectPtr<NiceAgent>(agent);
}

media::GObjectPtr<NiceAgent> niceAgentOf(GstElement* webrtcbin) {
  GstWebRTCICE* raw_ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &raw_ice, nullptr);
  const media::GstPtr<GstWebRTCICE> ice(raw_ice);
  return niceAgentOf(ice.get());
}

void configureIceAgent(GstElement* webrtcbin) {
  const auto agent = niceAgentOf(webrtcbin);
  if (agent == nullptr) {
    log::warn("webrtc", "ICE agent is not libnice: loopback candidates not added");
    return;
  }
  // Connectivity checks are paced at 5 ms, the smallest interval ICE allows (RFC 8445 section
  // 14.2), instead of libnice's 20 ms. With regular nomination (webrtcbin's choice; libnice makes
  // it construct-only) a first connection waits for three timer ticks: the first check, the
  // nominating check, its send. At 20 ms that was 60 ms of every page's time to first frame on
  // loopback; a desktop has one stream and a handful of pairs, so the faster pace costs nothing.
  // UPnP port mapping is off: a server has no home router to ask, and gathering would otherwise
  // multicast SSDP discovery on every network it can reach for each viewer.
  g_object_set(agent.get(), "stun-pacing-timer", kIcePacingMs, "upnp", FALSE, nullptr);
  auto add = [agent = agent.get()](const sockaddr* sa) {
    NiceAddress addr;
    nice_address_init(&addr);
    nice_address_set_from_sockaddr(&addr, sa);
    nice_agent_add_local_address(agent, &addr);
  };
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
      if (it->ifa_addr == nullptr || (it->ifa_flags & IFF_UP) == 0) continue;
      const int family = it->ifa_addr->sa_family;
      if (family == AF_INET) {
        add(it->ifa_addr);  // includes 127.0.0.1 from lo
      } else if (family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
        if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
          continue;
        add(it->ifa_addr);
      }
    }
    freeifaddrs(list);
  }
}

}  // namespace ds::webrtc
