// The Prometheus exporter's own listener (SELKIES_METRICS_HTTP_PORT, like Selkies'
// prometheus_client.start_http_server): plain HTTP on the default main context, GET/HEAD
// /metrics only, no auth (it is a separate port: keep it off the public network). The body comes
// from the app's scrape function (metrics::Metrics::render()).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/server.hpp"

typedef struct _SoupServer SoupServer;

namespace ds::http {
namespace detail {
class ConnectionGate;
}

class MetricsServer {
 public:
  // Called on the main loop for every GET /metrics; exceptions become a 500.
  using Scrape = std::function<Response()>;
  // Binds addr:port (0 = any free port); the error names SELKIES_METRICS_HTTP_PORT.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& addr, int port,
                                                      Scrape scrape);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const;
  // The answer to one request: the scrape for GET/HEAD /metrics, 404 or 405 otherwise.
  Response handle(std::string_view method, std::string_view path);

 private:
  explicit MetricsServer(Scrape scrape);

  Scrape scrape_;
  SoupServer* server_ = nullptr;
  std::unique_ptr<detail::ConnectionGate> gate_;  // the listener (connection_gate.hpp)
};

}  // namespace ds::http
