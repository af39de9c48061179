#include "http/soup_util.hpp"

namespace ds::http::detail {

void respond(SoupServerMessage* msg, const Response& r) {
  auto* headers = soup_server_message_get_response_headers(msg);
  for (const auto& [k, v] : r.headers) soup_message_headers_append(headers, k.c_str(), v.c_str());
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
  // libsoup 3.2 leaves a kept-alive connection in CLOSE-WAIT after the client closes it (seen
  // here: one descriptor per page load). The page loads a handful of files: close each one.
  soup_message_headers_replace(headers, "Connection", "close");
  soup_server_message_set_status(msg, static_cast<guint>(r.status), nullptr);
  soup_server_message_set_response(msg, r.content_type.c_str(), SOUP_MEMORY_COPY, r.body.data(),
                                   r.body.size());
}

Result<GSocketAddress*> socketAddress(const std::string& addr, int port) {
  GInetAddress* inet = g_inet_address_new_from_string(addr.c_str());
  if (inet == nullptr) return fail("SELKIES_ADDR=\"" + addr + "\" is not an IP address");
  GSocketAddress* address = g_inet_socket_address_new(inet, static_cast<guint16>(port));
  g_object_unref(inet);
  return address;
}

std::string listenError(const std::string& addr, int port, std::string_view settings,
                        GError** err) {
  std::string m = "cannot listen on " + addr + ":" + std::to_string(port) + " (" +
                  std::string(settings) +
                  "): " + (*err != nullptr ? (*err)->message : "unknown error");
  g_clear_error(err);
  return m;
}

}  // namespace ds::http::detail
