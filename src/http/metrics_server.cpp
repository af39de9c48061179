#include "http/metrics_server.hpp"

#include <libsoup/soup.h>

#include "core/log.hpp"
#include "http/connection_gate.hpp"
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

// Headers are in: the gate's header deadline no longer applies to this connection.
void onEarly(SoupServer* /*server*/, SoupServerMessage* msg, const char* /*path*/,
             GHashTable* /*query*/, gpointer gate) {
  static_cast<detail::ConnectionGate*>(gate)->headersArrived(
      soup_server_message_get_remote_address(msg));
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& addr, int port,
                                                            Scrape scrape) {
  std::unique_ptr<MetricsServer> s(new MetricsServer(std::move(scrape)));
  s->server_ = soup_server_new("server-header", "deskstream", nullptr);
  soup_server_add_handler(s->server_, nullptr, &onRequest, s.get(), nullptr);
  // Our own listener, as for the main server (connection_gate.hpp), not soup_server_listen():
  // libsoup 3.2's listener keeps a reference to every socket it accepts and never drops it (one
  // GSocket leaked per scrape; fixed upstream in libsoup 3.4.0, docs/testing.md). The gate's
  // connection limits and header deadline apply here too.
  auto gate = detail::ConnectionGate::start(s->server_, nullptr, addr, port, detail::GateOptions{},
                                            "SELKIES_ADDR/SELKIES_METRICS_HTTP_PORT");
  if (!gate) return Unexpected<Error>{gate.error()};
  s->gate_ = std::move(*gate);
  soup_server_add_early_handler(s->server_, nullptr, &onEarly, s->gate_.get(), nullptr);
  return s;
}

MetricsServer::MetricsServer(Scrape scrape) : scrape_(std::move(scrape)) {}

int MetricsServer::port() const { return gate_->port(); }

MetricsServer::~MetricsServer() {
  gate_.reset();  // stops accepting before libsoup's connections are closed
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
