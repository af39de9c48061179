// SELKIES_UINPUT_MOUSE_SOCKET through the data channel, against a real Xvfb: which mouse
// messages go to the socket (as Selkies sends them) and which to XTest, and the fallback to
// XTest while the socket does not answer.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "input/uinput_event.hpp"
#include "unit/input/x_fixture.hpp"

namespace ds::input::test {
namespace {

std::string pointer(Xvfb& x) {
  auto out = x.run("xdotool getmouselocation");
  return out.substr(0, out.find(" screen"));
}

class UinputX : public InputX {
 protected:
  void SetUp() override {
    InputX::SetUp();
    char tmpl[] = "/tmp/ds-uinput-x-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/mouse.sock";
    bindReader();
    // Reopen the Desktop with the socket set.
    session_.reset();
    desktop_.reset();
    options_.uinput_mouse_socket = path_;
    auto desktop = Desktop::open(options_);
    ASSERT_TRUE(desktop.has_value()) << desktop.error().message;
    desktop_ = std::move(*desktop);
    session_ = makeSession(true);
  }
  void TearDown() override {
    InputX::TearDown();
    closeReader();
    std::filesystem::remove_all(dir_);
  }
  void bindReader() {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  void closeReader() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    unlink(path_.c_str());
  }
  std::vector<std::string> datagrams() {
    std::vector<std::string> out;
    char buf[512];
    for (ssize_t n; (n = recv(fd_, buf, sizeof buf, 0)) >= 0;) {
      out.emplace_back(buf, static_cast<size_t>(n));
    }
    return out;
  }
  static std::string e(int type, int code, int64_t value, bool syn = true) {
    return encodeUinputEvent({type, code, value, syn});
  }
  std::string dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(UinputX, RelativeMotionButtonsAndWheelGoToTheSocket) {
  send("m,100,200,0,0");  // absolute: XTest, as on Selkies
  EXPECT_EQ(pointer(*xvfb_), "x:100 y:200");
  EXPECT_TRUE(datagrams().empty());
  send("m2,10,-5,1,0");  // relative motion, then the left button: all to the socket
  EXPECT_EQ(pointer(*xvfb_), "x:100 y:200") << "relative motion did not go through XTest";
  EXPECT_EQ(datagrams(), (std::vector<std::string>{e(kEvRel, kRelX, 10, false),
                                                   e(kEvRel, kRelY, -5), e(kEvKey, kBtnLeft, 1)}));
  send("m,120,210,0,0");  // absolute move on X, the release to the socket
  EXPECT_EQ(pointer(*xvfb_), "x:120 y:210");
  EXPECT_EQ(datagrams(), (std::vector<std::string>{e(kEvKey, kBtnLeft, 0)}));
  send("m2,0,0,6,0");  // a click without motion still sends REL_X 0, REL_Y 0 (Selkies does)
  EXPECT_EQ(datagrams(),
            (std::vector<std::string>{e(kEvRel, kRelX, 0, false), e(kEvRel, kRelY, 0),
                                      e(kEvKey, kBtnMiddle, 1), e(kEvKey, kBtnRight, 1)}));
  send("m2,0,0,0,0");
  EXPECT_EQ(datagrams(),
            (std::vector<std::string>{e(kEvRel, kRelX, 0, false), e(kEvRel, kRelY, 0),
                                      e(kEvKey, kBtnMiddle, 0), e(kEvKey, kBtnRight, 0)}));
  // gst-web's wheel down (bit 3) x3: REL_WHEEL +1 three times; up (bit 4): -1; releasing a
  // wheel bit sends nothing.
  send("m,120,210,8,3");
  send("m,120,210,0,0");
  send("m,120,210,16,1");
  send("m,120,210,0,0");
  EXPECT_EQ(datagrams(),
            (std::vector<std::string>{e(kEvRel, kRelWheel, 1), e(kEvRel, kRelWheel, 1),
                                      e(kEvRel, kRelWheel, 1), e(kEvRel, kRelWheel, -1)}));
  // The horizontal wheel (deskstream's bits 5, 6; Selkies has none) stays on XTest.
  send("m,120,210,32,1");
  send("m,120,210,0,0");
  EXPECT_TRUE(datagrams().empty());
}

TEST_F(UinputX, WithoutTheSocketTheMouseGoesThroughXTest) {
  send("m,100,100,0,0");
  closeReader();
  send("m2,7,9,1,0");  // the socket is gone: XTest moves the pointer (and presses the button)
  EXPECT_EQ(pointer(*xvfb_), "x:107 y:109");
  const std::string state = "xinput query-state 'Virtual core XTEST pointer'";
  EXPECT_NE(xvfb_->run(state).find("button[1]=down"), std::string::npos);
  EXPECT_TRUE(datagrams().empty());
  send("m2,0,0,0,0");  // the release goes where the press went: XTest
  EXPECT_NE(xvfb_->run(state).find("button[1]=up"), std::string::npos);
  // Back after at least a second: the socket again.
  bindReader();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  send("m2,3,3,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:107 y:109");
  EXPECT_EQ(datagrams(),
            (std::vector<std::string>{e(kEvRel, kRelX, 3, false), e(kEvRel, kRelY, 3)}));
}

}  // namespace
}  // namespace ds::input::test
