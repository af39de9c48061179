#include "signalling/handler.hpp"

#include <gtest/gtest.h>

namespace ds::signalling {
namespace {

template <typename T>
const T* find(const Actions& actions) {
  for (const auto& a : actions) {
    if (const auto* p = std::get_if<T>(&a)) return p;
  }
  return nullptr;
}

bool sentError(const Actions& actions) {
  const auto* s = find<SendText>(actions);
  return s != nullptr && s->text.rfind("ERROR", 0) == 0;
}

constexpr const char* kAnswer = R"({"sdp":{"type":"answer","sdp":"v=0\r\n"}})";
constexpr const char* kIce =
    R"({"ice":{"candidate":"candidate:1 1 udp 1 1.2.3.4 1 typ host","sdpMLineIndex":0}})";

TEST(Handler, HappyPath) {
  UidRegistry reg;
  Handler h(reg);
  auto a = h.onText("HELLO 1");
  ASSERT_NE(find<SendText>(a), nullptr);
  EXPECT_EQ(find<SendText>(a)->text, "HELLO");
  ASSERT_NE(find<StartPeer>(a), nullptr);
  EXPECT_EQ(find<StartPeer>(a)->kind, PeerKind::kVideo);
  a = h.onOfferCreated("v=0\r\n");
  ASSERT_NE(find<SendText>(a), nullptr);
  EXPECT_NE(find<SendText>(a)->text.find("\"offer\""), std::string::npos);
  EXPECT_TRUE(h.onLocalCandidate("candidate:x", 0).size() == 1);
  a = h.onText(kAnswer);
  ASSERT_NE(find<ApplyAnswer>(a), nullptr);
  a = h.onText(kIce);
  ASSERT_NE(find<AddRemoteIce>(a), nullptr);
  EXPECT_EQ(h.state(), Handler::State::kAnswered);
}

TEST(Handler, AnswerBeforeOfferIsAnError) {
  UidRegistry reg;
  Handler h(reg);
  h.onText("HELLO 1");
  auto a = h.onText(kAnswer);
  EXPECT_TRUE(sentError(a));
  EXPECT_EQ(find<ApplyAnswer>(a), nullptr);
  EXPECT_TRUE(sentError(h.onText(kIce)));
}

TEST(Handler, MessagesBeforeHelloAreErrors) {
  UidRegistry reg;
  Handler h(reg);
  EXPECT_TRUE(sentError(h.onText(kAnswer)));
  EXPECT_TRUE(sentError(h.onText(kIce)));
  EXPECT_TRUE(sentError(h.onText("garbage")));
  EXPECT_EQ(h.state(), Handler::State::kAwaitHello);
}

TEST(Handler, OfferFromBrowserRejected) {
  UidRegistry reg;
  Handler h(reg);
  h.onText("HELLO 1");
  h.onOfferCreated("v=0\r\n");
  EXPECT_TRUE(sentError(h.onText(R"({"sdp":{"type":"offer","sdp":"v=0\r\n"}})")));
  EXPECT_TRUE(sentError(h.onText(R"({"sdp":{"type":"answer","sdp":"garbage"}})")));
  // The peer is still usable after errors.
  EXPECT_NE(find<ApplyAnswer>(h.onText(kAnswer)), nullptr);
}

TEST(Handler, DuplicateUidIsBusyAndReleasedOnClose) {
  UidRegistry reg;
  Handler first(reg);
  first.onText("HELLO 1");
  {
    Handler second(reg);
    auto a = second.onText("HELLO 1");
    EXPECT_TRUE(sentError(a));
    EXPECT_NE(find<CloseConnection>(a), nullptr);
  }
  EXPECT_TRUE(reg.held("1"));  // the refused duplicate must not release the holder's uid
  first.onClosed();
  EXPECT_FALSE(reg.held("1"));
  Handler third(reg);
  EXPECT_NE(find<StartPeer>(third.onText("HELLO 1")), nullptr);
}

TEST(Handler, ViewersJoinWhileTheControllerHoldsTheUid) {
  UidRegistry reg;
  Handler controller(reg);
  EXPECT_NE(find<StartPeer>(controller.onText("HELLO 1")), nullptr);
  {
    Handler viewer(reg, /*exclusive=*/false);
    EXPECT_NE(find<StartPeer>(viewer.onText("HELLO 1")), nullptr);
  }
  EXPECT_TRUE(reg.held("1"));  // the viewer leaving does not free the controller's uid
  Handler second_controller(reg);
  EXPECT_TRUE(sentError(second_controller.onText("HELLO 1")));
}

TEST(Handler, ADemotedControllerFreesTheUidAndStaysOn) {
  UidRegistry reg;
  Handler controller(reg);
  EXPECT_NE(find<StartPeer>(controller.onText("HELLO 1")), nullptr);
  controller.dropControl();
  EXPECT_FALSE(reg.held("1"));
  EXPECT_EQ(controller.state(), Handler::State::kRegistered);
  Handler next(reg);
  EXPECT_NE(find<StartPeer>(next.onText("HELLO 1")), nullptr);
  controller.onClosed();  // the demoted one leaving does not free the new controller's uid
  EXPECT_TRUE(reg.held("1"));
  controller.dropControl();  // idempotent
  EXPECT_TRUE(reg.held("1"));
}

TEST(Handler, UnknownUidAndSecondHello) {
  UidRegistry reg;
  Handler h(reg);
  EXPECT_TRUE(sentError(h.onText("HELLO 7")));
  EXPECT_NE(find<StartPeer>(h.onText("HELLO 3")), nullptr);
  EXPECT_TRUE(sentError(h.onText("HELLO 3")));
}

TEST(Handler, TooManyErrorsCloses) {
  UidRegistry reg;
  Handler h(reg);
  Actions last;
  for (int i = 0; i < Handler::kMaxErrors; ++i) last = h.onText("junk");
  EXPECT_NE(find<CloseConnection>(last), nullptr);
  EXPECT_TRUE(h.onText("HELLO 1").empty());
}

// The session's peer caps decide after the uid checks and before any peer starts: a refusal
// is an ERROR naming the reason, a 4429 close, no StartPeer, and the uid is free again.
TEST(Handler, AdmissionRefusesBeforeAnyPeerStarts) {
  UidRegistry reg;
  int asked = 0;
  Handler refused(reg);
  refused.setAdmission([&](PeerKind kind) -> Status {
    ++asked;
    EXPECT_EQ(kind, PeerKind::kVideo);
    return fail("too many peers for this user: 8 of 8 in use (DESKSTREAM_MAX_PEERS_PER_USER)");
  });
  auto a = refused.onText("HELLO 1");
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(find<StartPeer>(a), nullptr);
  ASSERT_NE(find<SendText>(a), nullptr);
  EXPECT_EQ(find<SendText>(a)->text.rfind("ERROR too many peers for this user", 0), 0u);
  ASSERT_NE(find<CloseConnection>(a), nullptr);
  EXPECT_EQ(find<CloseConnection>(a)->code, Handler::kRefusedCloseCode);
  EXPECT_FALSE(reg.held("1"));
  EXPECT_TRUE(refused.onText("HELLO 1").empty()) << "closed: nothing more happens";

  Handler admitted(reg);
  admitted.setAdmission([&](PeerKind kind) -> Status {
    ++asked;
    EXPECT_EQ(kind, PeerKind::kAudio);
    return {};
  });
  a = admitted.onText("HELLO 3");
  EXPECT_EQ(asked, 2);
  ASSERT_NE(find<StartPeer>(a), nullptr);
  EXPECT_TRUE(reg.held("3"));

  // A busy uid is refused before the caps are asked (no slot is taken for it).
  Handler busy(reg);
  busy.setAdmission([&](PeerKind) -> Status {
    ++asked;
    return {};
  });
  a = busy.onText("HELLO 3");
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(find<StartPeer>(a), nullptr);
}

}  // namespace
}  // namespace ds::signalling
