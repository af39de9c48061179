#include <gst/webrtc/webrtc.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nice/agent.h>

#include "core/log.hpp"
#include "media/gst_util.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {

void addLocalAddresses(GstElement* webrtcbin) {
  GstWebRTCICE* raw_ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &raw_ice, nullptr);
  const media::GstPtr<GstWebRTCICE> ice(raw_ice);
  if (ice == nullptr) return;
  NiceAgent* raw_agent = nullptr;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice.get()), "agent") != nullptr) {
    g_object_get(ice.get(), "agent", &raw_agent, nullptr);
  }
  const media::GObjectPtr<NiceAgent> agent(raw_agent);
  if (agent == nullptr) {
    log::warn("webrtc", "ICE agent is not libnice: loopback candidates not added");
    return;
  }
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
