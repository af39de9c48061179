#include "http/server.hpp"

#include <libsoup/soup.h>

#include <fstream>
#include <sstream>

#include "core/log.hpp"
#include "http/soup_util.hpp"

namespace ds::http {
namespace {

using detail::respond;

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
    if (server_ != nullptr) {
      soup_server_disconnect(server_);
      g_object_unref(server_);
    }
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
      soup_server_set_tls_certificate(server_, cert);
      g_object_unref(cert);
    }
    soup_server_add_handler(server_, nullptr, &SoupServerImpl::onRequest, this, nullptr);
    for (const auto& p : options_.websocket_protocols)
      protocols_.push_back(const_cast<char*>(p.c_str()));
    protocols_.push_back(nullptr);
    soup_server_add_websocket_handler(
        server_, nullptr, nullptr,
        options_.websocket_protocols.empty() ? nullptr : protocols_.data(),
        &SoupServerImpl::onWebSocket, this, nullptr);
    auto port = detail::listen(server_, options_.addr, options_.port, options_.https,
                               "SELKIES_ADDR/SELKIES_PORT");
    if (!port) return Unexpected<Error>{port.error()};
    port_ = *port;
    return {};
  }

  int port() const override { return port_; }

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

  void handle(SoupServerMessage* msg, const char* path, GHashTable* query) {
    SoupRequest req(msg, path, query);
    const Route route = classify(req.path());
    if (route == Route::kHealth || route == Route::kHealthz || route == Route::kReadyz ||
        route == Route::kMetrics) {
      respond(msg, handlers_.probe(req, route));
      return;
    }
    if (handlers_.authorize) {
      if (auto refusal = handlers_.authorize(req, route)) {
        respond(msg, *refusal);
        return;
      }
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
    if (req.method() != "GET" && req.method() != "HEAD") {
      respond(msg, Response{405, "text/plain", "method not allowed\n", {{"Allow", "GET, HEAD"}}});
      return;
    }
    if (route == Route::kTurn) {
      respond(msg, handlers_.turn(req));
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
      impl->handlers_.websocket(std::make_shared<WebSocket>(conn), req);
    } catch (const std::exception& e) {
      log::error("http", std::string("websocket handler failed: ") + e.what());
    }
  }

  ServerOptions options_;
  Handlers handlers_;
  SoupServer* server_ = nullptr;
  std::vector<char*> protocols_;  // NULL-terminated view of options_.websocket_protocols
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handlers handlers) {
  auto impl = std::make_unique<SoupServerImpl>(options, std::move(handlers));
  if (auto st = impl->listen(); !st) return Unexpected<Error>{st.error()};
  return std::unique_ptr<Server>(std::move(impl));
}

}  // namespace ds::http
