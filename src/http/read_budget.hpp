// A cap on the bytes a client may send between two delivered WebSocket messages. libsoup 3.2
// checks each frame against the payload limit but appends the fragments of one message without
// any limit, so a message split into many small frames would grow without bound. The connection's
// stream (ReadBudgetStream, made by the gate) counts what it reads into this budget; the WebSocket
// resets it on every delivered message. Past the limit the stream stops delivering data and
// `on_exceeded` runs once from the main loop (the WebSocket closes with 1009). Main-loop thread.
#pragma once

#include <gio/gio.h>

#include <cstddef>
#include <functional>
#include <memory>

namespace ds::http::detail {

struct ReadBudget {
  ReadBudget(size_t limit_bytes, GSocket* s)
      : limit(limit_bytes), socket(s == nullptr ? nullptr : G_SOCKET(g_object_ref(s))) {}
  ~ReadBudget() {
    if (socket != nullptr) g_object_unref(socket);
  }
  ReadBudget(const ReadBudget&) = delete;
  ReadBudget& operator=(const ReadBudget&) = delete;

  size_t limit = 0;
  size_t used = 0;
  bool exceeded = false;
  std::function<void()> on_exceeded;  // set by the WebSocket; without it the stream is shut
  GSocket* socket = nullptr;          // owned reference; shut down when exceeded and nobody listens
};

// Wraps `base` (its input stream must be pollable): reads are counted into `budget`. Returns a
// new reference.
GIOStream* newReadBudgetStream(GIOStream* base, std::shared_ptr<ReadBudget> budget);

// The budget attached to a connection's remote address object by the gate (nullptr if none).
std::shared_ptr<ReadBudget> readBudgetOf(GSocketAddress* remote);
void attachReadBudget(GSocketAddress* remote, std::shared_ptr<ReadBudget> budget);

}  // namespace ds::http::detail
