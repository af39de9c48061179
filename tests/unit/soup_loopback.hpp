// Serves a test's SoupServer on 127.0.0.1 (any free port) the way deskstream's servers are served
// (http/connection_gate.hpp): a GSocketService accepts and hands each connection to libsoup with
// soup_server_accept_iostream, wrapped in TLS when a certificate is given. Not
// soup_server_listen(): libsoup 3.2's own listener never frees the sockets it accepts, which
// LeakSanitizer reports at the test's exit (docs/testing.md). Main-loop thread only.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <stdexcept>
#include <string>

namespace ds::testing {

class SoupLoopback {
 public:
  explicit SoupLoopback(SoupServer* server, GTlsCertificate* tls = nullptr)
      : server_(server), tls_(tls), service_(g_socket_service_new()) {
    GInetAddress* loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* address = g_inet_socket_address_new(loopback, 0);
    g_object_unref(loopback);
    GSocketAddress* effective = nullptr;
    GError* error = nullptr;
    const gboolean ok =
        g_socket_listener_add_address(G_SOCKET_LISTENER(service_), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, nullptr, &effective, &error);
    g_object_unref(address);
    if (!ok) {
      const std::string message = error->message;
      g_error_free(error);
      g_object_unref(service_);
      throw std::runtime_error("cannot listen on 127.0.0.1: " + message);
    }
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
    g_object_unref(effective);
    g_signal_connect(service_, "incoming", G_CALLBACK(&SoupLoopback::onIncoming), this);
    g_socket_service_start(service_);
  }
  ~SoupLoopback() {
    g_signal_handlers_disconnect_by_data(service_, this);
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
  }
  SoupLoopback(const SoupLoopback&) = delete;
  SoupLoopback& operator=(const SoupLoopback&) = delete;

  int port() const { return port_; }

 private:
  static gboolean onIncoming(GSocketService*, GSocketConnection* connection, GObject*,
                             gpointer data) {
    auto* self = static_cast<SoupLoopback*>(data);
    GSocketAddress* local = g_socket_connection_get_local_address(connection, nullptr);
    GSocketAddress* remote = g_socket_connection_get_remote_address(connection, nullptr);
    GIOStream* stream = G_IO_STREAM(g_object_ref(connection));
    if (self->tls_ != nullptr && stream != nullptr) {
      GIOStream* wrapped = g_tls_server_connection_new(stream, self->tls_, nullptr);
      g_object_unref(stream);
      stream = wrapped;
    }
    if (local != nullptr && remote != nullptr && stream != nullptr)
      soup_server_accept_iostream(self->server_, stream, local, remote, nullptr);
    if (stream != nullptr) g_object_unref(stream);
    if (local != nullptr) g_object_unref(local);
    if (remote != nullptr) g_object_unref(remote);
    return TRUE;
  }

  SoupServer* server_;
  GTlsCertificate* tls_;  // not owned
  GSocketService* service_;
  int port_ = 0;
};

}  // namespace ds::testing
