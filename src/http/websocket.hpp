// One accepted WebSocket (server side). Main-loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

typedef struct _SoupWebsocketConnection SoupWebsocketConnection;

namespace ds::http {
namespace detail {
struct ReadBudget;
}

class WebSocket {
 public:
  // Takes a reference on `conn`; pings the peer every `keepalive_s` seconds (its pongs keep the
  // connection inside the server's idle timeout).
  // `budget` (may be null) caps what the peer sends between two messages, fragments included:
  // past it the socket is closed with 1009.
  explicit WebSocket(SoupWebsocketConnection* conn, int keepalive_s = 20,
                     std::shared_ptr<detail::ReadBudget> budget = nullptr);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  void send(std::string_view text);
  // One binary message (the WebSocket media transport, wsmedia/).
  void sendBinary(std::string_view bytes);
  void close(int code, std::string_view reason);
  bool isOpen() const;

  // Set by the owner. on_closed is called once, from the main loop, after the socket closed.
  std::function<void(std::string_view)> on_text;
  std::function<void()> on_closed;

  // Largest frame libsoup accepts before closing with 1009; the protocol layer rejects smaller
  // oversize frames with an error message.
  static constexpr size_t kMaxFrameBytes = 256 * 1024;

 private:
  static void onMessage(SoupWebsocketConnection* conn, int type, void* bytes, void* self);
  static void onClosed(SoupWebsocketConnection* conn, void* self);

  SoupWebsocketConnection* conn_;
  std::shared_ptr<detail::ReadBudget> budget_;
  unsigned long message_handler_ = 0;
  unsigned long closed_handler_ = 0;
  bool closed_notified_ = false;
};

}  // namespace ds::http
