// SELKIES_TURN_REST_URI: the ICE configuration fetched from a TURN REST endpoint (GET, with the
// user name, protocol and TLS wish in request headers, as Selkies sends them), refreshed every
// `period` on the thread-default GLib main context. The last good answer stays in use while a
// refresh fails. libsoup-3.0; every request has a timeout and a response size bound.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "turn/rtc_parse.hpp"

namespace ds::turn {

struct RestSettings {
  std::string uri;                                  // SELKIES_TURN_REST_URI (http or https)
  std::string username;                             // SELKIES_TURN_REST_USERNAME
  std::string username_header = "x-auth-user";      // SELKIES_TURN_REST_USERNAME_AUTH_HEADER
  std::string protocol = "udp";                     // SELKIES_TURN_PROTOCOL
  std::string protocol_header = "x-turn-protocol";  // SELKIES_TURN_REST_PROTOCOL_HEADER
  bool tls = false;                                 // SELKIES_TURN_TLS
  std::string tls_header = "x-turn-tls";            // SELKIES_TURN_REST_TLS_HEADER
  bool force_relay = false;
  std::chrono::seconds period{60};
  std::chrono::seconds timeout{10};
};

inline constexpr size_t kMaxRestResponseBytes = 64 * 1024;

// An error naming SELKIES_TURN_REST_URI unless `uri` is an http:// or https:// URL.
Status checkRestUri(const std::string& uri);

// Pure: the request headers, as Selkies sends them (':' in the user name becomes '-').
std::vector<std::pair<std::string, std::string>> restHeaders(const RestSettings& settings);

class RestMonitor {
 public:
  // Fails on a URI that is not http(s)://.
  static Result<std::unique_ptr<RestMonitor>> create(RestSettings settings);
  ~RestMonitor();  // stops the timer and cancels a request in flight
  RestMonitor(const RestMonitor&) = delete;
  RestMonitor& operator=(const RestMonitor&) = delete;

  // Fetches now and then every period. `on_update` runs on the main context after each
  // successful fetch.
  void start(std::function<void()> on_update = {});
  // Iterates the thread-default main context until the first fetch has finished (either way)
  // or `limit` passed. For startup, before the main loop runs. True when a config is current.
  bool waitFirst(std::chrono::milliseconds limit);
  // The last configuration fetched successfully.
  std::optional<ParsedRtc> current() const;

  struct Impl;

 private:
  explicit RestMonitor(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ds::turn
