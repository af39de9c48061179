// Gamepads over real Unix sockets in a private temp dir, read the way the interposer reads them:
// connect, the 1348-byte config record, then 8-byte js_event records.
#include "gamepad/gamepads.hpp"

#include <fcntl.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace ds::gamepad {
namespace {

class TempDir {
 public:
  TempDir() {
    char* d = g_dir_make_tmp("ds-gamepad-XXXXXX", nullptr);
    path_ = d;
    g_free(d);
  }
  ~TempDir() {
    for (int i = 0; i < kSlots; ++i) ::unlink(Gamepads::socketPath(path_, i).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void pump() {
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
}

bool isSocket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// A reader like the interposer: a blocking-free client that pumps the server's loop while it
// waits for bytes.
class Reader {
 public:
  explicit Reader(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Reader() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Reads exactly n bytes within 3 s; fewer if the server closes.
  std::vector<uint8_t> read(size_t n) {
    std::vector<uint8_t> out;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (out.size() < n && std::chrono::steady_clock::now() < end) {
      pump();
      uint8_t buf[4096];
      const ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got > 0) {
        out.insert(out.end(), buf, buf + got);
      } else if (got == 0) {
        eof_ = true;
        break;
      } else {
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, 5);
      }
    }
    return out;
  }
  // Everything readable now (pumping the loop a few times), and whether the server closed.
  size_t drain() {
    size_t total = 0;
    for (int i = 0; i < 3; ++i) {
      pump();
      uint8_t buf[65536];
      ssize_t got;
      while ((got = ::recv(fd_, buf, sizeof buf, 0)) > 0) total += static_cast<size_t>(got);
      if (got == 0) eof_ = true;
    }
    return total;
  }
  bool eofWithin3s() {
    read(1u << 30);
    return eof_;
  }
  std::vector<JsEvent> events(size_t n) {
    const auto bytes = read(n * kEventBytes);
    std::vector<JsEvent> out;
    for (size_t i = 0; i + kEventBytes <= bytes.size(); i += kEventBytes) {
      JsEvent e{};
      std::memcpy(&e.value, &bytes[i + 4], 2);
      e.type = static_cast<EventType>(bytes[i + 6]);
      e.number = bytes[i + 7];
      out.push_back(e);
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
  bool eof_ = false;
};

TEST(Gamepads, ServesConfigStateAndEventsLikeSelkies) {
  TempDir dir;
  Gamepads pads(dir.path());
  const std::string path = dir.path() + "/selkies_js0.sock";
  EXPECT_EQ(Gamepads::socketPath(dir.path(), 0), path);
  EXPECT_FALSE(isSocket(path));  // no socket before the browser connects the gamepad
  ASSERT_TRUE(pads.connect(1, 0, "Xbox 360 Controller (STANDARD GAMEPAD)", 4, 17));
  EXPECT_TRUE(isSocket(path));

  Reader r(path);
  ASSERT_TRUE(r.connected());
  const auto config = r.read(kConfigBytes);
  const auto expected = encodeConfig(xpadDevice());
  ASSERT_EQ(config.size(), expected.size());
  EXPECT_TRUE(std::equal(config.begin(), config.end(), expected.begin()));
  EXPECT_EQ(r.events(19), DeviceState().snapshot());  // the device at rest

  ASSERT_TRUE(pads.button(1, 0, 0, 1));  // A pressed
  ASSERT_TRUE(pads.axis(1, 0, 2, 0.5));  // right stick X
  ASSERT_TRUE(pads.button(1, 0, 7, 1));  // R2 fully pressed
  EXPECT_EQ(r.events(3), (std::vector<JsEvent>{{EventType::kButton, 0, 1},
                                               {EventType::kAxis, 3, 16384},
                                               {EventType::kAxis, 5, 32767}}));
  // A reader that opens the device later starts from the current state.
  Reader late(path);
  ASSERT_EQ(late.read(kConfigBytes).size(), kConfigBytes);
  const auto state = late.events(19);
  ASSERT_EQ(state.size(), 19u);
  EXPECT_EQ(state[0], (JsEvent{EventType::kButton, 0, 1}));
  EXPECT_EQ(state[11 + 3], (JsEvent{EventType::kAxis, 3, 16384}));
  EXPECT_EQ(state[11 + 5], (JsEvent{EventType::kAxis, 5, 32767}));
  EXPECT_EQ(pads.readers(0), 2u);

  // Both readers get the next event.
  ASSERT_TRUE(pads.button(1, 0, 16, 1));
  EXPECT_EQ(r.events(1), (std::vector<JsEvent>{{EventType::kButton, 8, 1}}));
  EXPECT_EQ(late.events(1), (std::vector<JsEvent>{{EventType::kButton, 8, 1}}));

  // js,d: the device ends, the file goes.
  ASSERT_TRUE(pads.disconnect(1, 0));
  EXPECT_FALSE(isSocket(path));
  EXPECT_TRUE(r.eofWithin3s());
  EXPECT_TRUE(late.eofWithin3s());
}

TEST(Gamepads, EachGamepadBelongsToThePeerThatConnectedIt) {
  TempDir dir;
  Gamepads pads(dir.path());
  ASSERT_TRUE(pads.connect(1, 0, "pad", 4, 17));
  ASSERT_TRUE(pads.connect(2, 1, "pad", 4, 17));
  Reader r(Gamepads::socketPath(dir.path(), 0));
  ASSERT_EQ(r.read(kConfigBytes + 19 * kEventBytes).size(), kConfigBytes + 19 * kEventBytes);

  EXPECT_EQ(pads.connect(2, 0, "x", 1, 1).error().message, "gamepad 0 is another peer's");
  EXPECT_FALSE(pads.button(2, 0, 0, 1));
  EXPECT_FALSE(pads.axis(2, 0, 0, 1));
  EXPECT_FALSE(pads.disconnect(2, 0));
  EXPECT_EQ(r.drain(), 0u);  // nothing of peer 2 reached gamepad 0

  // The owner connecting it again keeps the socket and its reader.
  ASSERT_TRUE(pads.connect(1, 0, "pad", 4, 17));
  EXPECT_EQ(pads.readers(0), 1u);
  ASSERT_TRUE(pads.button(1, 0, 1, 1));
  EXPECT_EQ(r.events(1), (std::vector<JsEvent>{{EventType::kButton, 1, 1}}));

  // Peer 1 leaves: its gamepad goes, peer 2's stays.
  pads.release(1);
  EXPECT_FALSE(pads.connected(0));
  EXPECT_FALSE(isSocket(Gamepads::socketPath(dir.path(), 0)));
  EXPECT_TRUE(r.eofWithin3s());
  EXPECT_TRUE(pads.connected(1));
}

TEST(Gamepads, RefusesWhatCannotBeDelivered) {
  TempDir dir;
  Gamepads pads(dir.path());
  EXPECT_EQ(pads.button(1, 2, 0, 1).error().message, "gamepad 2 is not connected");
  EXPECT_FALSE(pads.connect(1, 4, "pad", 4, 17));
  EXPECT_FALSE(pads.connect(1, -1, "pad", 4, 17));
  ASSERT_TRUE(pads.connect(1, 3, "pad", 4, 17));
  EXPECT_FALSE(pads.button(1, 3, 17, 1));  // no such xpad button
  EXPECT_FALSE(pads.axis(1, 3, 0, 2.0));   // does not fit the event
  EXPECT_TRUE(pads.axis(1, 3, 0, 1.0));
}

TEST(Gamepads, ReplacesALeftoverSocketButNoOtherFile) {
  TempDir dir;
  const std::string path = Gamepads::socketPath(dir.path(), 0);
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);  // a killed run's socket file
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  Gamepads pads(dir.path());
  ASSERT_TRUE(pads.connect(1, 0, "pad", 4, 17));
  Reader r(path);
  EXPECT_EQ(r.read(kConfigBytes).size(), kConfigBytes);
  pads.release(1);

  const std::string other = Gamepads::socketPath(dir.path(), 1);
  { std::ofstream(other) << "not a socket"; }
  auto refused = pads.connect(1, 1, "pad", 4, 17);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not a socket"), std::string::npos);
  std::ifstream in(other);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "not a socket");
  ::unlink(other.c_str());

  Gamepads far(std::string(100, 'd'));
  EXPECT_FALSE(far.connect(1, 0, "pad", 4, 17));  // longer than sockaddr_un allows
}

TEST(Gamepads, ReadersAreBoundedAndASlowOneIsDropped) {
  TempDir dir;
  SocketLimits limits;
  limits.max_readers = 2;
  limits.max_queued_bytes = 4096;
  Gamepads pads(dir.path(), limits);
  ASSERT_TRUE(pads.connect(1, 0, "pad", 4, 17));
  const std::string path = Gamepads::socketPath(dir.path(), 0);
  Reader reading(path);
  Reader stuck(path);
  ASSERT_EQ(reading.read(kConfigBytes).size(), kConfigBytes);
  EXPECT_EQ(pads.readers(0), 2u);
  Reader third(path);  // over the limit: closed without a byte
  EXPECT_TRUE(third.eofWithin3s());
  EXPECT_EQ(pads.readers(0), 2u);

  // `stuck` never reads: once the kernel buffer and its 4 KiB queue are full it is dropped;
  // the reader that reads keeps every event, and nothing blocks.
  size_t received = 0;
  int sent = 0;
  for (; sent < 400000 && pads.readers(0) == 2; ++sent) {
    ASSERT_TRUE(pads.button(1, 0, 0, sent % 2));
    if (sent % 256 == 0) received += reading.drain();
  }
  EXPECT_EQ(pads.readers(0), 1u) << "after " << sent << " events";
  for (int i = 0; i < 10; ++i) received += reading.drain();
  EXPECT_EQ(received, 19 * kEventBytes + static_cast<size_t>(sent) * kEventBytes);
  EXPECT_TRUE(stuck.eofWithin3s());
}

}  // namespace
}  // namespace ds::gamepad
