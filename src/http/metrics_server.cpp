#include "http/metrics_server.hpp"

#include <libsoup/soup.h>

#include "core/log.hpp"
#include "http/soup_util.hpp"

namespace ds::http {
namespace {

void onRequest(SoupServer* /*server*/, SoupServerMessage* msg, const char* path,
               GHashTable* /*query*/, gpointer self) {
  try {
    const char* method = soup_server_message_get_method(msg);
    detail::respond(msg, static_cast<MetricsServer*>(self)->handle(method != nullptr ? method : "",
                                                                   path != nullptr ? path : "/"));
  } catch (const std::exception& e) {
    log::error("metrics", std::string("scrape failed: ") + e.what());
    detail::respond(msg, Response{500, "text/plain", "internal error\n", {}});
  }
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& addr, int port,
                                                            Scrape scrape) {
  std::unique_ptr<MetricsServer> s(new MetricsServer(std::move(scrape)));
  s->server_ = soup_server_new("server-header", "deskstream", nullptr);
  soup_server_add_handler(s->server_, nullptr, &onRequest, s.get(), nullptr);
  auto bound = detail::listen(s->server_, addr, port, /*https=*/false,
                              "SELKIES_ADDR/SELKIES_METRICS_HTTP_PORT");
  if (!bound) return Unexpected<Error>{bound.error()};
  s->port_ = *bound;
  return s;
}

MetricsServer::~MetricsServer() {
  if (server_ != nullptr) {
    soup_server_disconnect(server_);
    g_object_unref(server_);
  }
}

Response MetricsServer::handle(std::string_view method, std::string_view path) {
  if (path != "/metrics") return Response{404, "text/plain", "not found: see /metrics\n", {}};
  if (method != "GET" && method != "HEAD") {
    return Response{405, "text/plain", "method not allowed\n", {{"Allow", "GET, HEAD"}}};
  }
  return scrape_();
}

}  // namespace ds::http
