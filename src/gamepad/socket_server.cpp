#include "gamepad/socket_server.hpp"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "core/log.hpp"

namespace ds::gamepad {

constexpr const char* kLog = "gamepad";

struct SocketServer::Reader {
  SocketServer* server;
  int fd;
  GSource* in = nullptr;   // readable / hang-up: the reader went away (its data is discarded)
  GSource* out = nullptr;  // writable, only while the queue holds bytes
  std::vector<uint8_t> queue;
  size_t sent = 0;  // bytes of `queue` already written
};

struct SocketCallbacks {
  static gboolean listener(gint /*fd*/, GIOCondition /*condition*/, gpointer self) {
    try {
      static_cast<SocketServer*>(self)->accept();
    } catch (const std::exception& e) {
      log::error(kLog, std::string("accept failed: ") + e.what());
    }
    return G_SOURCE_CONTINUE;
  }
  static gboolean reader(gint /*fd*/, GIOCondition condition, gpointer data) {
    auto* r = static_cast<SocketServer::Reader*>(data);
    try {
      r->server->onReaderIo(*r, (condition & G_IO_IN) != 0, (condition & G_IO_OUT) != 0,
                            (condition & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) != 0);
    } catch (const std::exception& e) {
      log::error(kLog, std::string("reader I/O failed: ") + e.what());
    }
    // The source is destroyed by drop() or watchOutput() when it is no longer wanted.
    return G_SOURCE_CONTINUE;
  }
};

namespace {

GSource* watch(int fd, GIOCondition condition, GUnixFDSourceFunc fn, gpointer data) {
  GSource* source = g_unix_fd_source_new(fd, condition);
  g_source_set_callback(source, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(fn)),
                        data, nullptr);
  g_source_attach(source, nullptr);
  return source;
}

void unwatch(GSource*& source) {
  if (source == nullptr) return;
  g_source_destroy(source);
  g_source_unref(source);
  source = nullptr;
}

std::string errnoText(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace

Result<std::unique_ptr<SocketServer>> SocketServer::open(std::string path, SocketLimits limits) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail(path + ": a Unix socket path must be 1.." +
                std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail(path + " exists and is not a socket; not replaced");
    if (::unlink(path.c_str()) != 0) return fail(errnoText("cannot remove old " + path, errno));
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errnoText("socket", errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(errnoText("cannot bind " + path, err));
  }
  if (::listen(fd, 8) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return fail(errnoText("cannot listen on " + path, err));
  }
  return std::unique_ptr<SocketServer>(new SocketServer(std::move(path), fd, limits));
}

SocketServer::SocketServer(std::string path, int fd, SocketLimits limits)
    : path_(std::move(path)), fd_(fd), limits_(limits) {
  listen_source_ = watch(fd_, G_IO_IN, &SocketCallbacks::listener, this);
}

SocketServer::~SocketServer() {
  for (auto& r : readers_) {
    unwatch(r->in);
    unwatch(r->out);
    ::close(r->fd);
  }
  readers_.clear();
  unwatch(listen_source_);
  ::close(fd_);
  ::unlink(path_.c_str());
}

void SocketServer::accept() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log::warn(kLog, errnoText("accept on " + path_, errno));
      }
      return;
    }
    if (readers_.size() >= limits_.max_readers) {
      ::close(fd);
      if (!refused_logged_) {
        log::warn(kLog, path_ + ": reader refused, " + std::to_string(limits_.max_readers) +
                            " already connected (logged once)");
        refused_logged_ = true;
      }
      continue;
    }
    auto reader = std::make_unique<Reader>();
    reader->server = this;
    reader->fd = fd;
    reader->in = watch(fd, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR),
                       &SocketCallbacks::reader, reader.get());
    Reader& r = *reader;
    readers_.push_back(std::move(reader));
    log::info(kLog, path_ + ": reader connected (" + std::to_string(readers_.size()) + ")");
    if (greeting_) {
      const auto first = greeting_();
      queue(r, first.data(), first.size());
    }
  }
}

void SocketServer::broadcast(const uint8_t* bytes, size_t size) {
  // queue() may drop a reader: walk a copy of the pointers.
  std::vector<Reader*> all;
  for (auto& r : readers_) all.push_back(r.get());
  for (Reader* r : all) queue(*r, bytes, size);
}

void SocketServer::queue(Reader& reader, const uint8_t* bytes, size_t size) {
  if (reader.queue.size() - reader.sent + size > limits_.max_queued_bytes) {
    drop(&reader, "not reading (" + std::to_string(limits_.max_queued_bytes) + " bytes queued)");
    return;
  }
  if (reader.sent > 0 && reader.sent == reader.queue.size()) {
    reader.queue.clear();
    reader.sent = 0;
  }
  reader.queue.insert(reader.queue.end(), bytes, bytes + size);
  if (reader.out == nullptr && !flush(reader)) drop(&reader, "write failed");
}

bool SocketServer::flush(Reader& reader) {
  while (reader.sent < reader.queue.size()) {
    const ssize_t n = ::send(reader.fd, reader.queue.data() + reader.sent,
                             reader.queue.size() - reader.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      reader.sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watchOutput(reader, true);
      return true;
    }
    return false;
  }
  reader.queue.clear();
  reader.sent = 0;
  watchOutput(reader, false);
  return true;
}

void SocketServer::watchOutput(Reader& reader, bool on) {
  if (on && reader.out == nullptr) {
    reader.out = watch(reader.fd, G_IO_OUT, &SocketCallbacks::reader, &reader);
  } else if (!on) {
    unwatch(reader.out);
  }
}

void SocketServer::onReaderIo(Reader& reader, bool readable, bool writable, bool failed) {
  if (readable) {
    // The interposer never writes; anything a reader sends is read and discarded, a bounded
    // amount per wake-up. End of stream: it closed the device.
    uint8_t scratch[4096];
    const ssize_t n = ::recv(reader.fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      drop(&reader, "closed");
      return;
    }
  } else if (failed) {
    drop(&reader, "closed");
    return;
  }
  if (writable && !flush(reader)) drop(&reader, "write failed");
}

void SocketServer::drop(Reader* reader, const std::string& why) {
  for (auto it = readers_.begin(); it != readers_.end(); ++it) {
    if (it->get() != reader) continue;
    unwatch(reader->in);
    unwatch(reader->out);
    ::close(reader->fd);
    readers_.erase(it);
    const std::string line =
        path_ + ": reader " + why + " (" + std::to_string(readers_.size()) + " left)";
    if (why == "closed") {
      log::info(kLog, line);
    } else {
      log::warn(kLog, line + ", dropped");
    }
    return;
  }
}

}  // namespace ds::gamepad
