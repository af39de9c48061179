#include "http/websocket.hpp"

#include <libsoup/soup.h>

#include "core/log.hpp"
#include "http/read_budget.hpp"

namespace ds::http {

WebSocket::WebSocket(SoupWebsocketConnection* conn, int keepalive_s,
                     std::shared_ptr<detail::ReadBudget> budget)
    : conn_(static_cast<SoupWebsocketConnection*>(g_object_ref(conn))), budget_(std::move(budget)) {
  if (budget_) {
    budget_->used = 0;  // the handshake does not count
    budget_->on_exceeded = [this] {
      log::warn("http", "websocket closed: more than " + std::to_string(budget_->limit) +
                            " bytes without a complete message (1009)");
      close(SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too big");
    };
  }
  soup_websocket_connection_set_max_incoming_payload_size(conn_, kMaxFrameBytes);
  soup_websocket_connection_set_keepalive_interval(conn_, static_cast<guint>(keepalive_s));
  message_handler_ = g_signal_connect(conn_, "message", G_CALLBACK(&WebSocket::onMessage), this);
  closed_handler_ = g_signal_connect(conn_, "closed", G_CALLBACK(&WebSocket::onClosed), this);
}

WebSocket::~WebSocket() {
  if (budget_) budget_->on_exceeded = nullptr;
  g_signal_handler_disconnect(conn_, message_handler_);
  g_signal_handler_disconnect(conn_, closed_handler_);
  if (soup_websocket_connection_get_state(conn_) == SOUP_WEBSOCKET_STATE_OPEN) {
    soup_websocket_connection_close(conn_, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
  }
  // The owner may destroy us from inside a signal emission on conn_: drop our reference from
  // the main loop instead of here.
  g_idle_add_full(
      G_PRIORITY_DEFAULT,
      [](gpointer c) -> gboolean {
        g_object_unref(c);
        return G_SOURCE_REMOVE;
      },
      conn_, nullptr);
}

void WebSocket::send(std::string_view text) {
  if (!isOpen()) return;
  GBytes* bytes = g_bytes_new(text.data(), text.size());
  soup_websocket_connection_send_message(conn_, SOUP_WEBSOCKET_DATA_TEXT, bytes);
  g_bytes_unref(bytes);
}

void WebSocket::sendBinary(std::string_view bytes) {
  if (!isOpen()) return;
  soup_websocket_connection_send_binary(conn_, bytes.data(), bytes.size());
}

void WebSocket::close(int code, std::string_view reason) {
  if (!isOpen()) return;
  const std::string r(reason);
  soup_websocket_connection_close(conn_, static_cast<gushort>(code), r.c_str());
}

bool WebSocket::isOpen() const {
  return soup_websocket_connection_get_state(conn_) == SOUP_WEBSOCKET_STATE_OPEN;
}

void WebSocket::onMessage(SoupWebsocketConnection* /*conn*/, int type, void* bytes, void* self) {
  auto* ws = static_cast<WebSocket*>(self);
  if (ws->budget_) ws->budget_->used = 0;
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    ws->send("ERROR invalid message: binary frames are not part of the protocol");
    return;
  }
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(static_cast<GBytes*>(bytes), &size));
  if (ws->on_text) {
    try {
      ws->on_text(std::string_view(data == nullptr ? "" : data, size));
    } catch (const std::exception& e) {
      log::error("http", std::string("websocket message handler failed: ") + e.what());
    }
  }
}

void WebSocket::onClosed(SoupWebsocketConnection* /*conn*/, void* self) {
  auto* ws = static_cast<WebSocket*>(self);
  if (ws->closed_notified_) return;
  ws->closed_notified_ = true;
  if (ws->on_closed) {
    auto cb = ws->on_closed;  // the owner may destroy `ws` from inside the callback
    try {
      cb();
    } catch (const std::exception& e) {
      log::error("http", std::string("websocket close handler failed: ") + e.what());
    }
  }
}

}  // namespace ds::http
