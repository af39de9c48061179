#include "http/server.hpp"

#include <libsoup/soup.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/log.hpp"
#include "http/connection_gate.hpp"
#include "http/read_budget.hpp"
#include "http/soup_util.hpp"

namespace ds::http {
namespace {

using detail::respond;

// How long a refused request's connection stays half-closed (answer sent, nothing read) before
// it is closed; it still counts against the connection limits meanwhile.
constexpr guint kRefusalLingerSeconds = 2;

class SoupRequest final : public Request {
 public:
  SoupRequest(SoupServerMessage* msg, const char* path, GHashTable* query)
      : msg_(msg), path_(path == nullptr ? "/" : path), query_(query) {}
  std::string_view method() const override { return soup_server_message_get_method(msg_); }
  std::string_view path() const override { return path_; }
  std::optional<std::string> header(const char* name) const override {
    const char* v =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg_), name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  std::optional<std::string> query(const char* key) const override {
    if (query_ == nullptr) return std::nullopt;
    const auto* v = static_cast<const char*>(g_hash_table_lookup(query_, key));
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  std::string remoteAddress() const override {
    const char* host = soup_server_message_get_remote_host(msg_);
    return host == nullptr ? "" : host;
  }
  bool isWebSocketUpgrade() const override {
    const auto upgrade = header("Upgrade");
    return upgrade && g_ascii_strcasecmp(upgrade->c_str(), "websocket") == 0;
  }

 private:
  SoupServerMessage* msg_;
  std::string path_;
  GHashTable* query_;
};

std::optional<std::string> readFile(const std::string& path) {
  if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SoupServerImpl final : public Server {
 public:
  SoupServerImpl(ServerOptions options, Handlers handlers)
      : options_(std::move(options)), handlers_(std::move(handlers)) {}
  ~SoupServerImpl() override {
    gate_.reset();  // stop accepting first
    if (server_ != nullptr) {
      soup_server_disconnect(server_);
      g_object_unref(server_);
    }
    if (cert_ != nullptr) g_object_unref(cert_);
  }

  Status listen() {
    server_ = soup_server_new("server-header", "deskstream", nullptr);
    if (options_.https) {
      GError* err = nullptr;
      GTlsCertificate* cert =
          options_.key_file.empty()
              ? g_tls_certificate_new_from_file(options_.cert_file.c_str(), &err)
              : g_tls_certificate_new_from_files(options_.cert_file.c_str(),
                                                 options_.key_file.c_str(), &err);
      if (cert == nullptr) {
        std::string m = "SELKIES_HTTPS_CERT/SELKIES_HTTPS_KEY: cannot load " + options_.cert_file +
                        ": " + (err != nullptr ? err->message : "unknown error");
        g_clear_error(&err);
        return fail(m);
      }
      cert_ = cert;  // each accepted connection is wrapped in TLS by the gate
    }
    // Authorization and the body check run as soon as the headers are in, before libsoup
    // reads any body.
    soup_server_add_early_handler(server_, nullptr, &SoupServerImpl::onEarly, this, nullptr);
    soup_server_add_handler(server_, nullptr, &SoupServerImpl::onRequest, this, nullptr);
    // permessage-deflate off: a compressed signalling message could inflate far past the frame
    // limit inside libsoup before we see it, and signalling is a few small messages per session.
    soup_server_remove_websocket_extension(server_, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
    for (const auto& p : options_.websocket_protocols)
      protocols_.push_back(const_cast<char*>(p.c_str()));
    protocols_.push_back(nullptr);
    soup_server_add_websocket_handler(
        server_, nullptr, nullptr,
        options_.websocket_protocols.empty() ? nullptr : protocols_.data(),
        &SoupServerImpl::onWebSocket, this, nullptr);
    detail::GateOptions gate;
    gate.max_connections = options_.max_connections;
    gate.max_per_address = options_.max_connections_per_address;
    gate.header_timeout_s = options_.header_timeout_s;
    gate.idle_timeout_s = options_.idle_timeout_s;
    // One message may be a whole frame (kMaxFrameBytes) plus framing; the handshake's headers
    // (at most libsoup's 64 KiB) are read under the same budget.
    gate.max_unread_message_bytes = WebSocket::kMaxFrameBytes + 64 * 1024;
    auto started = detail::ConnectionGate::start(server_, cert_, options_.addr, options_.port, gate,
                                                 "SELKIES_ADDR/SELKIES_PORT");
    if (!started) return Unexpected<Error>{started.error()};
    gate_ = std::move(*started);
    return {};
  }

  int port() const override { return gate_->port(); }

 private:
  static void onRequest(SoupServer* /*server*/, SoupServerMessage* msg, const char* path,
                        GHashTable* query, gpointer self) {
    try {
      static_cast<SoupServerImpl*>(self)->handle(msg, path, query);
    } catch (const std::exception& e) {
      log::error("http", std::string("request handler failed: ") + e.what());
      respond(msg, Response{500, "text/plain", "internal error\n", {}});
    }
  }

  static void onEarly(SoupServer* /*server*/, SoupServerMessage* msg, const char* path,
                      GHashTable* query, gpointer self) {
    try {
      static_cast<SoupServerImpl*>(self)->early(msg, path, query);
    } catch (const std::exception& e) {
      log::error("http", std::string("request check failed: ") + e.what());
      refuseUnread(msg, Response{500, "text/plain", "internal error\n", {}});
    }
  }

  // Headers are in, no body has been read. Decides authorization and refuses any body; a
  // refusal of a request that declared a body takes the connection from libsoup, answers and
  // closes it without reading the body (libsoup would read it all before answering).
  void early(SoupServerMessage* msg, const char* path, GHashTable* query) {
    gate_->headersArrived(soup_server_message_get_remote_address(msg));
    SoupRequest req(msg, path, query);
    const Route route = classify(req.path());
    const bool has_body = declaresBody(msg);
    const auto refuse = [&](const Response& r) {
      if (has_body) {
        refuseUnread(msg, r);
      } else {
        respond(msg, r);
      }
    };
    if (!isProbe(route) && handlers_.authorize) {
      if (auto refusal = handlers_.authorize(req, route)) {
        refuse(*refusal);
        return;
      }
    }
    if (has_body) {
      refuse(Response{413, "text/plain", "request bodies are not accepted\n", {}});
      return;
    }
    if (!req.isWebSocketUpgrade() && req.method() != "GET" && req.method() != "HEAD") {
      respond(msg, Response{405, "text/plain", "method not allowed\n", {{"Allow", "GET, HEAD"}}});
    }
  }

  static bool isProbe(Route route) {
    return route == Route::kHealth || route == Route::kHealthz || route == Route::kReadyz ||
           route == Route::kMetrics;
  }

  static bool declaresBody(SoupServerMessage* msg) {
    auto* headers = soup_server_message_get_request_headers(msg);
    switch (soup_message_headers_get_encoding(headers)) {
      case SOUP_ENCODING_NONE:
        return false;
      case SOUP_ENCODING_CONTENT_LENGTH:
        return soup_message_headers_get_content_length(headers) > 0;
      default:
        return true;
    }
  }

  // Takes the connection from libsoup, writes `r`, ends our side (FIN) and closes the socket
  // a moment later (so that a client still sending can read the answer before the reset that
  // closing with unread data causes). The body is never read.
  static void refuseUnread(SoupServerMessage* msg, const Response& r) {
    auto budget = detail::readBudgetOf(soup_server_message_get_remote_address(msg));
    GIOStream* stream = soup_server_message_steal_connection(msg);
    if (stream == nullptr) return;
    const char* reason = soup_status_get_phrase(static_cast<guint>(r.status));
    struct Refusal {
      GIOStream* stream;
      GSocket* socket;  // may be null
      std::string bytes;
    };
    auto* refusal = new Refusal{stream, nullptr, ""};
    if (budget && budget->socket != nullptr)
      refusal->socket = G_SOCKET(g_object_ref(budget->socket));
    std::string& out = refusal->bytes;
    out = "HTTP/1.1 " + std::to_string(r.status) + " " + (reason != nullptr ? reason : "Error") +
          "\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "Content-Type: " + r.content_type +
           "\r\nContent-Length: " + std::to_string(r.body.size()) +
           "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n" + r.body;
    g_output_stream_write_all_async(
        g_io_stream_get_output_stream(stream), out.data(), out.size(), G_PRIORITY_DEFAULT, nullptr,
        [](GObject* /*source*/, GAsyncResult* /*result*/, gpointer data) {
          auto* f = static_cast<Refusal*>(data);
          if (f->socket != nullptr) g_socket_shutdown(f->socket, FALSE, TRUE, nullptr);
          g_timeout_add_seconds_full(
              G_PRIORITY_DEFAULT, kRefusalLingerSeconds,
              [](gpointer d) -> gboolean {
                auto* done = static_cast<Refusal*>(d);
                g_io_stream_close(done->stream, nullptr, nullptr);
                return G_SOURCE_REMOVE;
              },
              f,
              [](gpointer d) {
                auto* done = static_cast<Refusal*>(d);
                g_object_unref(done->stream);
                if (done->socket != nullptr) g_object_unref(done->socket);
                delete done;
              });
        },
        refusal);
  }

  void handle(SoupServerMessage* msg, const char* path, GHashTable* query) {
    // Authorization, the body and method checks already ran in early().
    SoupRequest req(msg, path, query);
    const Route route = classify(req.path());
    if (isProbe(route)) {
      respond(msg, handlers_.probe(req, route));
      return;
    }
    if (route == Route::kSignalling) {
      // Leave the status unset: libsoup then completes the WebSocket handshake and calls
      // onWebSocket. A plain GET on the signalling path gets 400 from libsoup.
      if (!req.isWebSocketUpgrade()) {
        respond(msg, Response{400, "text/plain", "WebSocket upgrade required\n", {}});
      }
      return;
    }
    if (req.isWebSocketUpgrade()) {
      respond(msg, Response{404, "text/plain", "no WebSocket endpoint at this path\n", {}});
      return;
    }
    if (route == Route::kTurn) {
      respond(msg, handlers_.turn(req));
      return;
    }
    if (route == Route::kSelfTest) {
      respond(msg, handlers_.selftest ? handlers_.selftest(req)
                                      : Response{404, "text/plain", "not found\n", {}});
      return;
    }
    serveStatic(msg, req);
  }

  void serveStatic(SoupServerMessage* msg, const Request& req) {
    const auto file = staticFilePath(options_.web_root, req.path());
    if (!file) {
      respond(msg, Response{400, "text/plain", "bad path\n", {}});
      return;
    }
    auto body = readFile(*file);
    if (!body) {
      respond(msg, Response{404, "text/plain", "not found\n", {}});
      return;
    }
    respond(msg, Response{200, std::string(mimeType(*file)), std::move(*body), {}});
  }

  static void onWebSocket(SoupServer* /*server*/, SoupServerMessage* msg, const char* path,
                          SoupWebsocketConnection* conn, gpointer self) {
    auto* impl = static_cast<SoupServerImpl*>(self);
    try {
      SoupRequest req(msg, path, nullptr);
      const int keepalive = std::clamp(impl->options_.idle_timeout_s / 3, 1, 20);
      auto budget = detail::readBudgetOf(soup_server_message_get_remote_address(msg));
      impl->handlers_.websocket(std::make_shared<WebSocket>(conn, keepalive, std::move(budget)),
                                req);
    } catch (const std::exception& e) {
      log::error("http", std::string("websocket handler failed: ") + e.what());
    }
  }

  ServerOptions options_;
  Handlers handlers_;
  SoupServer* server_ = nullptr;
  std::vector<char*> protocols_;  // NULL-terminated view of options_.websocket_protocols
  GTlsCertificate* cert_ = nullptr;
  std::unique_ptr<detail::ConnectionGate> gate_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handlers handlers) {
  auto impl = std::make_unique<SoupServerImpl>(options, std::move(handlers));
  if (auto st = impl->listen(); !st) return Unexpected<Error>{st.error()};
  return std::unique_ptr<Server>(std::move(impl));
}

}  // namespace ds::http
