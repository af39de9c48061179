// One gamepad's Unix stream socket (selkies_jsN.sock): every reader that connects gets the
// device config record, then the device's current state, then every event, on the default
// GMainContext. Nothing blocks: each reader has a bounded send queue and is dropped when it
// falls behind; the number of readers is bounded too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

typedef struct _GSource GSource;  // NOLINT: GLib's own spelling

namespace ds::gamepad {

struct SocketLimits {
  size_t max_readers = 8;               // per socket; more are accepted and closed at once
  size_t max_queued_bytes = 64 * 1024;  // per reader (8192 events); over it the reader is dropped
};

class SocketServer {
 public:
  // Binds and listens on `path`. A leftover socket file (a previous run that was killed) is
  // replaced; any other file there is an error, never removed.
  static Result<std::unique_ptr<SocketServer>> open(std::string path, SocketLimits limits);
  ~SocketServer();  // closes every reader and the listener, removes the socket file
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Called for each new reader: the bytes it gets first (config record and current state).
  using Greeting = std::function<std::vector<uint8_t>()>;
  void setGreeting(Greeting greeting) { greeting_ = std::move(greeting); }
  // Queues `bytes` to every reader.
  void broadcast(const uint8_t* bytes, size_t size);
  size_t readers() const { return readers_.size(); }
  const std::string& path() const { return path_; }

 private:
  struct Reader;
  friend struct SocketCallbacks;
  SocketServer(std::string path, int fd, SocketLimits limits);
  void accept();
  void onReaderIo(Reader& reader, bool readable, bool writable, bool failed);
  void queue(Reader& reader, const uint8_t* bytes, size_t size);
  bool flush(Reader& reader);  // false: the reader failed and must be dropped
  void drop(Reader* reader, const std::string& why);
  void watchOutput(Reader& reader, bool on);

  std::string path_;
  int fd_;
  SocketLimits limits_;
  GSource* listen_source_ = nullptr;
  Greeting greeting_;
  std::vector<std::unique_ptr<Reader>> readers_;
  bool refused_logged_ = false;
};

}  // namespace ds::gamepad
