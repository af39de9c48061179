// Each connection to the HTTP servers makes a GSocket and socket address objects (ours in the
// connection gate, libsoup's for its connection). These tests open many connections of every
// kind, real sockets on loopback, and check that once they are closed none of those objects is
// left: libsoup 3.2's own listener (soup_server_listen) kept every accepted GSocket, which is
// why both servers accept through http::detail::ConnectionGate.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics_server.hpp"
#include "http/server.hpp"
#include "http/websocket.hpp"
#include "unit/http/live_objects.hpp"

namespace ds::http {
namespace {

using Sockets = testing::LiveObjects<0>;
using Addresses = testing::LiveObjects<1>;

// A blocking client connection (plain POSIX: it makes no GObject of its own).
class Client {
 public:
  explicit Client(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) const {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // Reads until `until` has been seen (empty: until the server closes), or 5 s pass.
  std::string read(const std::string& until = "") const {
    std::string got;
    char buf[4096];
    while (until.empty() || got.find(until) == std::string::npos) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// Runs `client` on a thread while the main loop serves, then runs the loop until `settled`.
// Returns false if either took more than 30 s.
bool serve(const std::function<void()>& client, const std::function<bool()>& settled) {
  std::atomic<bool> done{false};
  std::thread t([&] {
    client();
    done = true;
  });
  const int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, FALSE);
  t.join();
  while (!settled() && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return settled();
}

void drainLoop() {
  const int64_t end = g_get_monotonic_time() + 200 * 1000;
  while (g_get_monotonic_time() < end) {
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
}

constexpr int kRounds = 12;

// The end of each test: the clients' objects were gone once they left (`settled`), and once the
// server is destroyed (and the loop has run its last callbacks) not even the listener's are left.
template <typename ServerPtr>
void expectNoneLeft(bool settled, const Sockets& sockets, const Addresses& addresses,
                    int idle_sockets, int idle_addresses, ServerPtr& server) {
  EXPECT_TRUE(settled) << "still alive after the clients left: " << sockets.live() - idle_sockets
                       << " GSocket, " << addresses.live() - idle_addresses
                       << " GInetSocketAddress";
  server.reset();
  drainLoop();
  EXPECT_EQ(sockets.live(), 0);
  EXPECT_EQ(addresses.live(), 0);
}

TEST(ServerSockets, MetricsConnectionsLeaveNoSocketOrAddress) {
  Sockets sockets(G_TYPE_SOCKET);
  Addresses addresses(G_TYPE_INET_SOCKET_ADDRESS);
  auto server = MetricsServer::start("127.0.0.1", 0, [] {
    return Response{200, "text/plain", "x 1\n", {}};
  });
  ASSERT_TRUE(server) << server.error().message;
  const int port = (*server)->port();
  const int idle_sockets = sockets.live();
  const int idle_addresses = addresses.live();
  EXPECT_EQ(idle_sockets, 1) << "the listening socket";

  std::atomic<int> answered{0};
  const bool settled = serve(
      [&] {
        for (int i = 0; i < kRounds; ++i) {
          {
            Client c(port);
            c.send(get("/metrics"));
            if (c.read().find("\r\n\r\nx 1\n") != std::string::npos) ++answered;
          }
          { Client c(port); }  // connects and leaves without a request
          {
            Client c(port);
            c.send("GET /metr");  // leaves in the middle of the request line
          }
        }
      },
      [&] { return sockets.live() == idle_sockets && addresses.live() == idle_addresses; });
  EXPECT_EQ(answered, kRounds);
  expectNoneLeft(settled, sockets, addresses, idle_sockets, idle_addresses, *server);
}

TEST(ServerSockets, HttpAndWebSocketConnectionsLeaveNoSocketOrAddress) {
  Sockets sockets(G_TYPE_SOCKET);
  Addresses addresses(G_TYPE_INET_SOCKET_ADDRESS);
  std::vector<std::shared_ptr<WebSocket>> websockets;
  Handlers handlers;
  handlers.authorize = [](const Request&, Route) -> std::optional<Response> {
    return std::nullopt;
  };
  handlers.probe = [](const Request&, Route) { return Response{200, "text/plain", "ok\n", {}}; };
  handlers.turn = [](const Request&) { return Response{404, "text/plain", "none\n", {}}; };
  handlers.websocket = [&](std::shared_ptr<WebSocket> ws, const Request&) {
    ws->send("HELLO");
    websockets.push_back(std::move(ws));
  };
  ServerOptions options;
  options.addr = "127.0.0.1";
  options.port = 0;
  options.web_root = "/nonexistent";
  auto server = Server::start(options, std::move(handlers));
  ASSERT_TRUE(server) << server.error().message;
  const int port = (*server)->port();
  const int idle_sockets = sockets.live();
  const int idle_addresses = addresses.live();

  std::atomic<int> answered{0};
  std::atomic<int> upgraded{0};
  std::atomic<int> refused{0};
  const auto all_closed = [&] {
    for (const auto& ws : websockets)
      if (ws->isOpen()) return false;
    return true;
  };
  const bool settled = serve(
      [&] {
        for (int i = 0; i < kRounds; ++i) {
          {
            Client c(port);
            c.send(get("/health"));
            if (c.read().find("\r\n\r\nok\n") != std::string::npos) ++answered;
          }
          {  // a WebSocket that the client drops without a close frame
            Client c(port);
            c.send(
                "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n");
            if (c.read("HELLO").find("101 Switching Protocols") != std::string::npos) ++upgraded;
          }
          {  // a body: refused without reading it (the connection is taken from libsoup)
            Client c(port);
            c.send("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n");
            if (c.read("\r\n\r\n").find(" 413 ") != std::string::npos) ++refused;
          }
          { Client c(port); }
        }
      },
      [&] {
        if (!all_closed()) return false;
        websockets.clear();
        return sockets.live() == idle_sockets && addresses.live() == idle_addresses;
      });
  EXPECT_EQ(answered, kRounds);
  EXPECT_EQ(upgraded, kRounds);
  EXPECT_EQ(refused, kRounds);
  expectNoneLeft(settled, sockets, addresses, idle_sockets, idle_addresses, *server);
}

}  // namespace
}  // namespace ds::http
