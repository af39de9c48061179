// A WebSocket over a socket pair for unit tests: the server end is a real http::WebSocket, the
// browser's end reads the raw frames. Main-loop helpers to wait for what arrives.
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/websocket.hpp"

namespace ds::session::fakes {

// Runs the default main context until `done` holds or 5 s passed; returns `done()`.
inline bool pumpUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
  }
  return done();
}

// Lets queued socket traffic arrive, for checks that something did NOT happen.
inline void settle() {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  pumpUntil([&] { return std::chrono::steady_clock::now() >= until; });
}

inline SoupWebsocketConnection* serverOn(int fd) {
  GError* error = nullptr;
  GSocket* socket = g_socket_new_from_fd(fd, &error);
  EXPECT_NE(socket, nullptr) << (error ? error->message : "");
  if (error) g_error_free(error);
  GSocketConnection* stream = g_socket_connection_factory_create_connection(socket);
  GUri* uri = g_uri_parse("ws://localhost/webrtc/signalling/", G_URI_FLAGS_NONE, nullptr);
  auto* ws = soup_websocket_connection_new(
      G_IO_STREAM(stream), uri, SOUP_WEBSOCKET_CONNECTION_SERVER, nullptr, nullptr, nullptr);
  g_uri_unref(uri);
  g_object_unref(stream);
  g_object_unref(socket);
  return ws;
}

// A connected WebSocket pair: `server` is what a Connection writes to; the browser's end reads
// the raw frames (server frames are unmasked) and records the texts and the close code. Raw, not
// a libsoup client: libsoup's client turns the close codes 1012-1014 into 1002, browsers do not.
class Browser {
 public:
  Browser() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    auto* server_end = serverOn(fds[0]);
    fd_ = fds[1];
    server = std::make_shared<http::WebSocket>(server_end, /*keepalive_s=*/0);
    g_object_unref(server_end);  // http::WebSocket holds its own reference
  }
  ~Browser() {
    server.reset();
    close(fd_);
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Waits for the next text message and returns it ("" after 5 s without one).
  std::string next() {
    if (!pumpUntil([&] { return read() && read_ < received_.size(); })) return "";
    return received_[read_++];
  }
  bool waitClosed() {
    return pumpUntil([&] { return read() && closed_; });
  }
  bool closed() {
    read();
    return closed_;
  }
  int closeCode() const { return close_code_; }
  size_t unread() {
    read();
    return received_.size() - read_;
  }

  std::shared_ptr<http::WebSocket> server;

 private:
  // Reads what arrived and parses every complete frame; always true (for pumpUntil).
  bool read() {
    char chunk[4096];
    for (;;) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    for (;;) {
      if (buffer_.size() < 2) break;
      const auto byte = [&](size_t i) { return static_cast<unsigned char>(buffer_[i]); };
      const int opcode = byte(0) & 0x0f;
      uint64_t length = byte(1) & 0x7f;
      size_t header = 2;
      if (length == 126) {
        if (buffer_.size() < 4) break;
        length = (uint64_t{byte(2)} << 8) | byte(3);
        header = 4;
      } else if (length == 127) {
        if (buffer_.size() < 10) break;
        length = 0;
        for (size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
        header = 10;
      }
      if (buffer_.size() < header + length) break;
      std::string payload = buffer_.substr(header, length);
      buffer_.erase(0, header + length);
      if (opcode == 0x1) received_.push_back(std::move(payload));
      if (opcode == 0x8) {
        closed_ = true;
        if (payload.size() >= 2) {
          close_code_ = (static_cast<unsigned char>(payload[0]) << 8) |
                        static_cast<unsigned char>(payload[1]);
        }
      }
    }
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::vector<std::string> received_;
  size_t read_ = 0;
  bool closed_ = false;
  int close_code_ = 0;
};

}  // namespace ds::session::fakes
