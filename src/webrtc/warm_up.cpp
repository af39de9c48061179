#include <gst/gst.h>

#include <chrono>
#include <string>

#include "core/log.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {

void warmUp() {
  const auto start = std::chrono::steady_clock::now();
  // Loads webrtcbin and the plugins it pulls in (nice, dtls, srtp, rtpmanager).
  if (GstElement* bin = gst_element_factory_make("webrtcbin", nullptr)) gst_object_unref(bin);
  // The first DTLS element of a process generates the RSA key and certificate that every later
  // one shares (gstdtlsdec.c: one generated agent per process).
  if (GstElement* dec = gst_element_factory_make("dtlsdec", nullptr)) {
    gchar* pem = nullptr;
    g_object_get(dec, "pem", &pem, nullptr);
    g_free(pem);
    gst_object_unref(dec);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  log::debug("webrtc",
             "WebRTC plugins and DTLS certificate ready in " + std::to_string(ms) + " ms");
}

}  // namespace ds::webrtc
