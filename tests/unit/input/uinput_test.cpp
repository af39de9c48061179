// SELKIES_UINPUT_MOUSE_SOCKET: the datagrams (byte vectors computed independently with Python's
// msgpack 1.0.3: msgpack.packb({"args": ((type, code), value), "kwargs": kwargs},
// use_bin_type=True), as Selkies packs them) and the client's connect / give up / retry rules,
// against a real Unix datagram socket.
#include <glib.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "input/uinput_event.hpp"
#include "input/uinput_mouse.hpp"

namespace ds::input {
namespace {

std::string hex(const std::string& bytes) {
  std::string out;
  char b[3];
  for (unsigned char c : bytes) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

TEST(UinputEvent, BytesAsSelkiesPacksThem) {
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, 5, false})),
            "82a4617267739292020005a66b776172677381a373796ec2");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelY, -3})), "82a46172677392920201fda66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, 200, false})),
            "82a46172677392920200ccc8a66b776172677381a373796ec2");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, -200, false})),
            "82a46172677392920200d1ff38a66b776172677381a373796ec2");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelY, 40000})),
            "82a46172677392920201cd9c40a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelY, -32767})),
            "82a46172677392920201d18001a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelY, -40})),
            "82a46172677392920201d0d8a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvKey, kBtnLeft, 1})),
            "82a461726773929201cd011001a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvKey, kBtnRight, 0})),
            "82a461726773929201cd011100a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvKey, kBtnMiddle, 1})),
            "82a461726773929201cd011201a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelWheel, 1})),
            "82a4617267739292020801a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelWheel, -1})),
            "82a46172677392920208ffa66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, 100000})),
            "82a46172677392920200ce000186a0a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, -100000})),
            "82a46172677392920200d2fffe7960a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, int64_t{1} << 33})),
            "82a46172677392920200cf0000000200000000a66b776172677380");
  EXPECT_EQ(hex(encodeUinputEvent({kEvRel, kRelX, -(int64_t{1} << 33)})),
            "82a46172677392920200d3fffffffe00000000a66b776172677380");
}

// A reader bound at a fresh path in a temporary directory.
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << strerror(errno);
  }
  ~Reader() {
    close(fd_);
    unlink(path_.c_str());
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  // The next datagram, or "" when none is waiting.
  std::string next() {
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string path_;
  int fd_;
};

class UinputMouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ds-uinput-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/mouse.sock";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void iterate() {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  std::string dir_;
  std::string path_;
};

TEST_F(UinputMouseTest, SendsOneDatagramPerEventInOrder) {
  Reader reader(path_);
  UinputMouse mouse(path_);
  EXPECT_TRUE(mouse.connected());
  ASSERT_TRUE(mouse.send({{kEvRel, kRelX, 7, false}, {kEvRel, kRelY, -2}}));
  EXPECT_EQ(reader.next(), encodeUinputEvent({kEvRel, kRelX, 7, false}));
  EXPECT_EQ(reader.next(), encodeUinputEvent({kEvRel, kRelY, -2}));
  EXPECT_EQ(reader.next(), "");
}

TEST_F(UinputMouseTest, MissingSocketIsLoggedOnceAndRetriedAtMostOnceASecond) {
  testing::internal::CaptureStderr();
  UinputMouse mouse(path_);  // nothing there yet
  EXPECT_FALSE(mouse.connected());
  EXPECT_FALSE(mouse.send({{kEvKey, kBtnLeft, 1}}));
  Reader reader(path_);
  EXPECT_FALSE(mouse.send({{kEvKey, kBtnLeft, 1}})) << "retried within the second";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(mouse.send({{kEvKey, kBtnLeft, 1}}));
  EXPECT_EQ(reader.next(), encodeUinputEvent({kEvKey, kBtnLeft, 1}));
  const std::string log = testing::internal::GetCapturedStderr();
  size_t warnings = 0;
  for (size_t at = log.find("XTest until"); at != std::string::npos;
       at = log.find("XTest until", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
  EXPECT_NE(log.find("connected"), std::string::npos) << log;
}

TEST_F(UinputMouseTest, AReaderThatGoesAwayIsGivenUpThenFoundAgain) {
  std::unique_ptr<UinputMouse> mouse;
  {
    Reader reader(path_);
    mouse = std::make_unique<UinputMouse>(path_);
    ASSERT_TRUE(mouse->send({{kEvRel, kRelWheel, 1}}));
  }
  EXPECT_FALSE(mouse->send({{kEvRel, kRelWheel, 1}})) << "the reader is gone";
  EXPECT_FALSE(mouse->connected());
  Reader again(path_);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(mouse->send({{kEvRel, kRelWheel, -1}}));
  EXPECT_EQ(again.next(), encodeUinputEvent({kEvRel, kRelWheel, -1}));
}

TEST_F(UinputMouseTest, AReaderThatStopsReadingIsBounded) {
  Reader reader(path_);
  UinputMouse mouse(path_);
  // The kernel queue fills first (EAGAIN), then ours, up to kMaxQueuedBytes: then given up.
  int accepted = 0;
  while (mouse.send({{kEvRel, kRelX, 1, false}, {kEvRel, kRelY, 1}})) {
    ++accepted;
    ASSERT_LT(accepted, 100000) << "never bounded";
  }
  EXPECT_FALSE(mouse.connected());
  EXPECT_GT(accepted, 10);
  // What had reached the reader's queue is intact and in order.
  EXPECT_EQ(reader.next(), encodeUinputEvent({kEvRel, kRelX, 1, false}));
  EXPECT_EQ(reader.next(), encodeUinputEvent({kEvRel, kRelY, 1}));
}

TEST_F(UinputMouseTest, QueuedDatagramsAreFlushedWhenTheReaderCatchesUp) {
  Reader reader(path_);
  UinputMouse mouse(path_);
  // More than the kernel queue holds (max_dgram_qlen datagrams), so that the rest waits in ours,
  // but less than kMaxQueuedBytes (1500 × 24 bytes).
  const int sent = 1500;
  for (int i = 0; i < sent; ++i) {
    ASSERT_TRUE(mouse.send({{kEvRel, kRelX, i % 100, false}})) << i;
    iterate();
  }
  ASSERT_TRUE(mouse.connected());
  // Read everything back, letting the fd watch flush our queue meanwhile.
  int received = 0;
  for (int spins = 0; spins < 200000 && received < sent; ++spins) {
    const std::string d = reader.next();
    if (d.empty()) {
      iterate();
      continue;
    }
    ASSERT_EQ(d, encodeUinputEvent({kEvRel, kRelX, received % 100, false})) << received;
    ++received;
  }
  EXPECT_EQ(received, sent);
}

}  // namespace
}  // namespace ds::input
