#include "http/connection_gate.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <atomic>
#include <memory>
#include <vector>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "http/read_budget.hpp"
#include "http/soup_util.hpp"

namespace ds::http::detail {

// The data of the weak reference on a connection's stream. Its notify runs on whichever thread
// drops the stream's last reference, a GLib worker among them (the thread of an async close
// holds the GTask, and with it the stream, until its end): it only sets `finalized` and hands
// the rest to the main context, where the gate's bookkeeping lives.
struct WeakData {
  ConnectionGate* gate;
  std::weak_ptr<int> alive;  // the gate's token: expired once the gate is gone (main thread)
  uint64_t id;
  std::atomic<bool> finalized{false};
};

namespace {

constexpr const char* kLog = "http";
constexpr int kBacklog = 1024;  // GSocketListener's default (10) drops SYNs under a flood

std::string addressText(GSocketAddress* address) {
  if (!G_IS_INET_SOCKET_ADDRESS(address)) return "?";
  gchar* s =
      g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
  std::string out = s == nullptr ? "?" : s;
  g_free(s);
  return out;
}

}  // namespace

ConnectionGate::ConnectionGate(SoupServer* server, GTlsCertificate* tls, const GateOptions& options)
    : server_(server),
      tls_(tls == nullptr ? nullptr : static_cast<GTlsCertificate*>(g_object_ref(tls))),
      options_(options),
      limits_(options.max_connections, options.max_per_address) {}

Result<std::unique_ptr<ConnectionGate>> ConnectionGate::start(SoupServer* server,
                                                              GTlsCertificate* tls,
                                                              const std::string& addr, int port,
                                                              const GateOptions& options,
                                                              std::string_view settings) {
  std::unique_ptr<ConnectionGate> gate(new ConnectionGate(server, tls, options));
  auto socket_address = socketAddress(addr, port);
  if (!socket_address) return Unexpected<Error>{socket_address.error()};
  GSocketAddress* address = *socket_address;
  gate->service_ = g_socket_service_new();
  g_socket_listener_set_backlog(G_SOCKET_LISTENER(gate->service_), kBacklog);
  GSocketAddress* effective = nullptr;
  GError* err = nullptr;
  const gboolean ok = g_socket_listener_add_address(G_SOCKET_LISTENER(gate->service_), address,
                                                    G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                    nullptr, &effective, &err);
  g_object_unref(address);
  if (!ok) return fail(listenError(addr, port, settings, &err));
  gate->port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
  g_object_unref(effective);
  g_signal_connect(gate->service_, "incoming", G_CALLBACK(&ConnectionGate::onIncoming), gate.get());
  g_socket_service_start(gate->service_);
  gate->tick_source_ = g_timeout_add_seconds(1, &ConnectionGate::onTick, gate.get());
  return gate;
}

ConnectionGate::~ConnectionGate() {
  alive_.reset();  // a finalize handed to the main context and not yet run finds the gate gone
  if (tick_source_ != 0) g_source_remove(tick_source_);
  if (service_ != nullptr) {
    g_signal_handlers_disconnect_by_data(service_, this);
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
  }
  for (auto& [id, c] : conns_) {
    // A stream finalized meanwhile (its notify already took the reference's data) is gone.
    if (!c.weak->finalized.load()) {
      g_object_weak_unref(c.stream, &ConnectionGate::onStreamFinalized, c.weak_ref);
      core::deleteCallbackData<std::shared_ptr<WeakData>>(c.weak_ref);
    }
    g_object_unref(c.socket);
    g_object_unref(c.remote);
  }
  if (tls_ != nullptr) g_object_unref(tls_);
}

gboolean ConnectionGate::onIncoming(GSocketService* /*service*/, GSocketConnection* connection,
                                    GObject* /*source*/, gpointer self) {
  try {
    static_cast<ConnectionGate*>(self)->accept(connection);
  } catch (const std::exception& e) {
    log::error(kLog, std::string("accepting a connection failed: ") + e.what());
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
  }
  return TRUE;
}

void ConnectionGate::accept(GSocketConnection* connection) {
  GSocket* socket = g_socket_connection_get_socket(connection);
  GSocketAddress* remote = g_socket_connection_get_remote_address(connection, nullptr);
  GSocketAddress* local = g_socket_connection_get_local_address(connection, nullptr);
  if (remote == nullptr || local == nullptr) {  // already reset by the peer
    if (remote != nullptr) g_object_unref(remote);
    if (local != nullptr) g_object_unref(local);
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
    return;
  }
  const std::string address = addressText(remote);
  const Admission admission = limits_.admit(address);
  if (admission != Admission::kAdmitted) {
    g_object_unref(remote);
    g_object_unref(local);
    refuse(connection, admission);
    return;
  }
  g_socket_set_timeout(socket, static_cast<guint>(options_.idle_timeout_s));
  g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);

  GIOStream* stream = G_IO_STREAM(g_object_ref(connection));
  if (tls_ != nullptr) {
    GError* err = nullptr;
    GIOStream* wrapped = g_tls_server_connection_new(stream, tls_, &err);
    g_object_unref(stream);
    if (wrapped == nullptr) {
      log::warn(kLog, std::string("TLS setup failed: ") + (err ? err->message : "unknown error"));
      g_clear_error(&err);
      limits_.release(address);
      g_object_unref(remote);
      g_object_unref(local);
      g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
      return;
    }
    stream = wrapped;
  }
  {
    auto budget = std::make_shared<ReadBudget>(options_.max_unread_message_bytes, socket);
    GIOStream* counted = newReadBudgetStream(stream, budget);
    g_object_unref(stream);
    stream = counted;
    attachReadBudget(remote, std::move(budget));
  }

  const uint64_t id = next_id_++;
  Conn c;
  c.address = address;
  c.socket = static_cast<GSocket*>(g_object_ref(socket));
  c.remote = remote;
  c.stream = G_OBJECT(stream);
  c.weak = std::make_shared<WeakData>();
  c.weak->gate = this;
  c.weak->alive = alive_;
  c.weak->id = id;
  c.weak_ref = core::newCallbackData<std::shared_ptr<WeakData>>(c.weak);
  c.header_deadline_us =
      g_get_monotonic_time() + static_cast<int64_t>(options_.header_timeout_s) * 1000000;
  g_object_weak_ref(c.stream, &ConnectionGate::onStreamFinalized, c.weak_ref);
  by_remote_[remote] = id;
  conns_.emplace(id, std::move(c));

  GError* err = nullptr;
  if (!soup_server_accept_iostream(server_, stream, local, remote, &err)) {
    log::warn(kLog, std::string("libsoup refused a connection: ") +
                        (err != nullptr ? err->message : "unknown error"));
    g_clear_error(&err);
    g_io_stream_close(stream, nullptr, nullptr);
  }
  g_object_unref(local);
  g_object_unref(stream);  // libsoup holds it now; onStreamFinalized forgets the connection
}

void ConnectionGate::refuse(GSocketConnection* connection, Admission why) {
  if (why == Admission::kTotalFull) {
    ++refused_total_;
  } else {
    ++refused_address_;
  }
  if (tls_ == nullptr) {
    static constexpr char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n"
        "Retry-After: 1\r\n\r\n";
    g_socket_send_with_blocking(g_socket_connection_get_socket(connection), kBusy, sizeof kBusy - 1,
                                FALSE, nullptr, nullptr);
  }
  g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
}

void ConnectionGate::headersArrived(GSocketAddress* remote) {
  auto it = by_remote_.find(remote);
  if (it == by_remote_.end()) return;
  auto c = conns_.find(it->second);
  if (c != conns_.end()) c->second.header_deadline_us = 0;
}

void ConnectionGate::onStreamFinalized(gpointer data, GObject* /*where_the_object_was*/) {
  // Any thread. The reference's data is ours now (the weak reference is gone with the stream).
  auto* ref = static_cast<std::shared_ptr<WeakData>*>(data);
  core::tsanJoin(ref);
  std::shared_ptr<WeakData> weak = std::move(*ref);
  delete ref;
  weak->finalized.store(true);
  // Run at once when this is the main context's thread, else queued to it.
  g_main_context_invoke_full(nullptr, G_PRIORITY_DEFAULT, &ConnectionGate::onFinalizedOnMain,
                             core::newCallbackData<std::shared_ptr<WeakData>>(std::move(weak)),
                             &core::deleteCallbackData<std::shared_ptr<WeakData>>);
}

gboolean ConnectionGate::onFinalizedOnMain(gpointer data) {
  const core::TsanCallbackScope scope(data);
  const auto& weak = *static_cast<std::shared_ptr<WeakData>*>(data);
  if (!weak->alive.expired()) weak->gate->forget(weak->id);
  return G_SOURCE_REMOVE;
}

void ConnectionGate::forget(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  limits_.release(c.address);
  by_remote_.erase(c.remote);
  g_object_unref(c.remote);
  g_object_unref(c.socket);
  conns_.erase(it);
}

gboolean ConnectionGate::onTick(gpointer self) {
  try {
    static_cast<ConnectionGate*>(self)->tick();
  } catch (const std::exception& e) {
    log::error(kLog, std::string("connection sweep failed: ") + e.what());
  }
  return G_SOURCE_CONTINUE;
}

void ConnectionGate::tick() {
  const int64_t now = g_get_monotonic_time();
  std::vector<uint64_t> closed;
  for (auto& [id, c] : conns_) {
    if (g_socket_is_closed(c.socket)) {
      // Closed but still referenced somewhere: it holds no descriptor, stop counting it.
      closed.push_back(id);
    } else if (c.header_deadline_us != 0 && now >= c.header_deadline_us) {
      // No complete request headers in time: shut the socket down; libsoup sees the end of the
      // stream and drops the connection.
      c.header_deadline_us = 0;
      ++header_timeouts_;
      g_socket_shutdown(c.socket, TRUE, TRUE, nullptr);
    }
  }
  for (uint64_t id : closed) forget(id);
  if (refused_total_ + refused_address_ + header_timeouts_ > 0) {
    log::warn(kLog, "connections refused in the last second: " + std::to_string(refused_total_) +
                        " over DESKSTREAM_HTTP_MAX_CONNECTIONS, " +
                        std::to_string(refused_address_) +
                        " over DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS; closed without "
                        "request headers (DESKSTREAM_HTTP_HEADER_TIMEOUT): " +
                        std::to_string(header_timeouts_) +
                        "; open now: " + std::to_string(limits_.open()));
    refused_total_ = refused_address_ = header_timeouts_ = 0;
  }
}

}  // namespace ds::http::detail
