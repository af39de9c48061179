// The listening socket of the HTTP server, owned here rather than by libsoup (libsoup 3.2 has no
// connection limits or header timeout): each accepted connection is counted against
// ConnectionLimits (over the limit: "503" and closed at once, nothing read), gets an idle timeout
// on its socket (GSocket:timeout; no data for that long closes it, also a WebSocket's) and a
// deadline for its request headers, then is handed to libsoup with soup_server_accept_iostream.
// Main-loop thread only. Not part of the module's interface.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"
#include "http/connection_limits.hpp"

namespace ds::http::detail {

struct WeakData;

struct GateOptions {
  int max_connections = 256;
  int max_per_address = 64;  // 0: none
  int header_timeout_s = 10;
  int idle_timeout_s = 60;
  // Bytes a client may send between two delivered WebSocket messages (read_budget.hpp).
  size_t max_unread_message_bytes = 320 * 1024;
};

class ConnectionGate {
 public:
  // Listens on addr:port (0 = any free port) and feeds `server`; with `tls` set, each connection
  // is wrapped in a TLS server connection first. `settings` names the variables to blame.
  static Result<std::unique_ptr<ConnectionGate>> start(SoupServer* server, GTlsCertificate* tls,
                                                       const std::string& addr, int port,
                                                       const GateOptions& options,
                                                       std::string_view settings);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  int port() const { return port_; }
  // The request headers of the connection whose remote address object (as given to libsoup and
  // returned by soup_server_message_get_remote_address) is `remote` have arrived: its header
  // deadline no longer applies.
  void headersArrived(GSocketAddress* remote);

 private:
  struct Conn {
    std::string address;
    GSocket* socket = nullptr;         // owned reference
    GSocketAddress* remote = nullptr;  // owned reference; key of by_remote_
    GObject* stream = nullptr;         // weak: the stream given to libsoup
    std::shared_ptr<WeakData> weak;    // shared with the weak reference's notify
    // The weak reference's own data (a copy of `weak`): its notify deletes it, or whoever
    // removes the weak reference before the stream is finalized.
    std::shared_ptr<WeakData>* weak_ref = nullptr;
    int64_t header_deadline_us = 0;  // 0 once the headers arrived
  };

  ConnectionGate(SoupServer* server, GTlsCertificate* tls, const GateOptions& options);
  static gboolean onIncoming(GSocketService* service, GSocketConnection* connection,
                             GObject* source, gpointer self);
  static void onStreamFinalized(gpointer data, GObject* where_the_object_was);
  static gboolean onFinalizedOnMain(gpointer data);
  static gboolean onTick(gpointer self);
  void accept(GSocketConnection* connection);
  void refuse(GSocketConnection* connection, Admission why);
  void forget(uint64_t id);
  void tick();

  SoupServer* server_;
  GTlsCertificate* tls_;
  GateOptions options_;
  ConnectionLimits limits_;
  GSocketService* service_ = nullptr;
  unsigned tick_source_ = 0;
  int port_ = 0;
  uint64_t next_id_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // WeakData::alive
  std::unordered_map<uint64_t, Conn> conns_;
  std::unordered_map<GSocketAddress*, uint64_t> by_remote_;
  // Refusals since the last summary line (logged at most once a second).
  int refused_total_ = 0;
  int refused_address_ = 0;
  int header_timeouts_ = 0;
};

}  // namespace ds::http::detail
