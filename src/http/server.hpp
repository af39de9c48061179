// HTTP + WebSocket server on libsoup-3.0, running on the GLib default main context (the same
// loop as GStreamer's bus watches). Routing and checks are delegated to pure functions
// (request_policy.hpp) and to the handlers the app wires in.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/request_policy.hpp"
#include "http/websocket.hpp"

namespace ds::http {

// Read-only view of one request, valid during the handler call.
class Request {
 public:
  virtual ~Request() = default;
  virtual std::string_view method() const = 0;
  virtual std::string_view path() const = 0;
  virtual std::optional<std::string> header(const char* name) const = 0;
  virtual std::optional<std::string> query(const char* key) const = 0;
  virtual std::string remoteAddress() const = 0;
  virtual bool isWebSocketUpgrade() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Handlers {
  // nullopt: allowed. Otherwise the refusal to send (401/403). Not called for health routes.
  // Called once per request, as soon as its headers have arrived and before any body is read.
  std::function<std::optional<Response>(const Request&, Route)> authorize;
  // /health, /healthz, /readyz, /metrics.
  std::function<Response(const Request&, Route)> probe;
  std::function<Response(const Request&)> turn;
  // GET /selftest?bytes=N: the connection self-test's download (http/download_budget.hpp).
  std::function<Response(const Request&)> selftest;
  // A WebSocket was accepted on a signalling path.
  std::function<void(std::shared_ptr<WebSocket>, const Request&)> websocket;
};

struct ServerOptions {
  std::string addr = "0.0.0.0";
  int port = 8080;  // 0 = any free port
  std::string web_root;
  bool https = false;
  std::string cert_file;
  std::string key_file;
  // Subprotocols the server may select (a client that offers one of them gets it back).
  std::vector<std::string> websocket_protocols;
  // Limits applied before a request is read (config: DESKSTREAM_HTTP_*). No route takes a
  // request body: one that declares a body is refused (413) without reading it.
  int max_connections = 256;
  int max_connections_per_address = 64;  // 0: none
  int header_timeout_s = 10;
  int idle_timeout_s = 60;  // WebSockets are pinged every third of this (at most every 20 s)
};

class Server {
 public:
  // Binds and starts serving on the default main context; fails with a message naming the
  // address, port or certificate that could not be used.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Handlers handlers);
  virtual ~Server() = default;
  virtual int port() const = 0;
};

}  // namespace ds::http
