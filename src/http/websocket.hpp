// One accepted WebSocket (server side). Main-loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

typedef struct _SoupWebsocketConnection SoupWebsocketConnection;

namespace ds::http {

class WebSocket {
 public:
  // Takes a reference on `conn`.
  explicit WebSocket(SoupWebsocketConnection* conn);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  void send(std::string_view text);
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
  unsigned long message_handler_ = 0;
  unsigned long closed_handler_ = 0;
  bool closed_notified_ = false;
};

}  // namespace ds::http
