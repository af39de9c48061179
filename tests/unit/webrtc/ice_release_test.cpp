// A viewer that leaves early (its page reloaded while the connection was being set up) must not
// leave its libnice agent, and the agent's sockets, behind (webrtc/ice_release.cpp). The viewer
// is a second webrtcbin in this process, negotiating with the branch over loopback.
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "media/gst_util.hpp"
#include "media/video_pipeline.hpp"
#include "webrtc/ice_agent.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

// Work that webrtcbin's threads hand to the test's thread (the branch lives there). Not
// media::postToMain: these tasks point at a Viewer, and a queue owned by the test's fixture is
// dropped with it, where tasks left on the default main context would run in the next test.
struct MainQueue {
  std::mutex mutex;
  std::deque<std::function<void()>> tasks;
  void post(std::function<void()> f) {
    std::lock_guard lock(mutex);
    tasks.push_back(std::move(f));
  }
  void run() {
    for (;;) {
      std::function<void()> f;
      {
        std::lock_guard lock(mutex);
        if (tasks.empty()) return;
        f = std::move(tasks.front());
        tasks.pop_front();
      }
      f();
    }
  }
};

// The browser: a webrtcbin that answers the branch's offer and trickles its candidates. Its
// promise callbacks run on its own thread; they stop once the page is closed.
class Viewer {
 public:
  Viewer(MainQueue& main, std::function<void(std::string)> on_answer,
         std::function<void(int, std::string)> on_candidate)
      : main_(main), on_answer_(std::move(on_answer)), on_candidate_(std::move(on_candidate)) {
    pipeline_ = gst_pipeline_new(nullptr);
    webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
    configureIceAgent(webrtc_);  // UPnP off: nothing to ask a router here
    gst_bin_add(GST_BIN(pipeline_), webrtc_);
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&Viewer::onPad), pipeline_);
    g_signal_connect(webrtc_, "on-ice-candidate", G_CALLBACK(&Viewer::onCandidate), this);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Viewer() {
    close();
    gst_object_unref(pipeline_);  // webrtcbin's threads are stopped: nothing calls back now
    std::lock_guard lock(mutex_);
    for (GstPromise* p : promises_) gst_promise_unref(p);  // answered or not
  }
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  void offer(const std::string& text) {
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new_from_text(text.c_str(), &sdp);
    auto* desc = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    g_signal_emit_by_name(
        webrtc_, "set-remote-description", desc,
        track(gst_promise_new_with_change_func(&Viewer::onRemoteSet, this, nullptr)));
    gst_webrtc_session_description_free(desc);
  }
  void addCandidate(int mline, const std::string& candidate) {
    if (closed_) return;
    g_signal_emit_by_name(webrtc_, "add-ice-candidate", static_cast<guint>(mline),
                          candidate.c_str());
  }
  // The tab goes: its sockets close at once.
  void close() {
    if (closed_.exchange(true)) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
  }

 private:
  // Promises stay ours until the viewer goes: webrtcbin drops the unanswered ones of a closed
  // page without calling back.
  GstPromise* track(GstPromise* p) {
    std::lock_guard lock(mutex_);
    promises_.push_back(p);
    return p;
  }
  static void onPad(GstElement*, GstPad* pad, gpointer pipeline) {
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "async", FALSE, "sync", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
  }
  static void onCandidate(GstElement*, guint mline, gchar* candidate, gpointer self) {
    auto* v = static_cast<Viewer*>(self);
    v->main_.post([v, mline, c = std::string(candidate)] {
      if (!v->closed_) v->on_candidate_(static_cast<int>(mline), c);
    });
  }
  static void onRemoteSet(GstPromise*, gpointer self) {
    auto* v = static_cast<Viewer*>(self);
    if (v->closed_) return;
    g_signal_emit_by_name(
        v->webrtc_, "create-answer", nullptr,
        v->track(gst_promise_new_with_change_func(&Viewer::onAnswer, v, nullptr)));
  }
  static void onAnswer(GstPromise* promise, gpointer self) {
    auto* v = static_cast<Viewer*>(self);
    if (v->closed_) return;
    const GstStructure* reply = gst_promise_get_reply(promise);
    GstWebRTCSessionDescription* answer = nullptr;
    if (reply != nullptr) {
      gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
    }
    if (answer == nullptr) return;
    g_signal_emit_by_name(v->webrtc_, "set-local-description", answer, nullptr);
    gchar* text = gst_sdp_message_as_text(answer->sdp);
    v->main_.post([v, t = std::string(text)] {
      if (!v->closed_) v->on_answer_(t);
    });
    g_free(text);
    gst_webrtc_session_description_free(answer);
  }

  MainQueue& main_;
  std::function<void(std::string)> on_answer_;
  std::function<void(int, std::string)> on_candidate_;
  GstElement* pipeline_ = nullptr;  // ours until the viewer goes
  GstElement* webrtc_ = nullptr;    // owned by pipeline_
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::vector<GstPromise*> promises_;
};

void iterate(MainQueue& main, int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    main.run();
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(500);
  }
}

bool waitGone(MainQueue& main, GWeakRef* ref, int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    auto* o = static_cast<GObject*>(g_weak_ref_get(ref));
    if (o == nullptr) return true;
    g_object_unref(o);
    iterate(main, 5);
  }
  return false;
}

// One viewer and its branch on the shared test-pattern pipeline, negotiating over loopback.
struct Session {
  Session(MainQueue& main, media::VideoPipeline& video, int id, BranchOptions options) {
    viewer = std::make_unique<Viewer>(
        main,
        [this](std::string answer) {
          if (branch != nullptr && branch->setAnswer(answer)) answered = true;
        },
        [this](int mline, std::string c) {
          if (branch != nullptr) branch->addCandidate(mline, c);
        });
    PeerCallbacks cb;
    cb.on_offer = [this](std::string sdp) { viewer->offer(sdp); };
    cb.on_candidate = [this](std::string c, int mline) { viewer->addCandidate(mline, c); };
    cb.on_connected = [this] { connected = true; };
    auto b = PeerBranch::create(video.pipeline(), video.tee(), std::to_string(id), {}, cb, options);
    if (!b) return;
    branch = std::move(*b);
    webrtcbin.reset(gst_bin_get_by_name(GST_BIN(video.pipeline()),
                                        ("peer-" + std::to_string(id) + "-webrtc").c_str()));
  }
  std::unique_ptr<Viewer> viewer;  // kept after the branch: its webrtcbin may still call back
  std::shared_ptr<PeerBranch> branch;
  media::GstPtr<GstElement> webrtcbin;  // ours, dropped before the branch goes
  bool answered = false;
  bool connected = false;
};

struct Fixture {
  Fixture() {
    media::VideoOptions o;
    o.display = "";
    o.encoder = "x264enc";
    o.params.framerate = 30;
    auto p = media::VideoPipeline::start(o, [](std::string, bool) {});
    if (p) video = std::move(*p);
  }
  MainQueue main;
  std::unique_ptr<media::VideoPipeline> video;
};

// webrtcbin's transport bins listen to their ICE transport; disarmTransportBins finds those
// handlers (it would silently find none if webrtcbin changed how it connects them).
TEST(IceRelease, DisarmFindsEachTransportBinsHandler) {
  Fixture f;
  ASSERT_NE(f.video, nullptr);
  Session s(f.main, *f.video, 1, BranchOptions{});
  ASSERT_NE(s.webrtcbin, nullptr);
  const gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!s.connected && g_get_monotonic_time() < end) iterate(f.main, 10);
  ASSERT_TRUE(s.connected) << "the loopback viewer did not connect";
  EXPECT_EQ(disarmTransportBins(s.webrtcbin.get()), 2)
      << "one bundled transport: its receive bin and its send bin";
  EXPECT_EQ(disarmTransportBins(s.webrtcbin.get()), 0) << "already disconnected";
  s.webrtcbin.reset();
  s.viewer->close();
  s.branch.reset();
}

// Viewers (video and audio branches) that leave at every point of the connection's first
// 220 ms, as a reloaded page does: each one's libnice agent is finalized within 3 s.
TEST(IceRelease, AgentsOfViewersWhoLeaveDuringSetupAreFreed) {
  Fixture f;
  ASSERT_NE(f.video, nullptr);
  std::vector<std::unique_ptr<Viewer>> viewers;
  int kept = 0;
  int answered = 0;
  int connected = 0;
  const int runs = std::getenv("DS_ICE_RELEASE_RUNS") != nullptr
                       ? std::atoi(std::getenv("DS_ICE_RELEASE_RUNS"))
                       : 30;
  for (int i = 0; i < runs; ++i) {
    Session s(f.main, *f.video, i, (i % 2) == 0 ? BranchOptions{} : audioBranch());
    ASSERT_NE(s.webrtcbin, nullptr);
    auto agent = niceAgentOf(s.webrtcbin.get());
    ASSERT_NE(agent, nullptr);
    s.webrtcbin.reset();
    GWeakRef weak;
    g_weak_ref_init(&weak, agent.get());
    agent.reset();
    iterate(f.main, 20 + i * 7 % 200);
    s.viewer->close();  // the page goes; its sockets close under the branch's agent
    iterate(f.main, i % 3 * 10);
    s.branch.reset();
    f.main.run();
    if (!waitGone(f.main, &weak, 3000)) {
      ++kept;
      std::printf("run %d: the agent is still alive 3 s after the branch went\n", i);
    }
    g_weak_ref_clear(&weak);
    answered += s.answered ? 1 : 0;
    connected += s.connected ? 1 : 0;
    viewers.push_back(std::move(s.viewer));
  }
  std::printf("agents kept: %d of %d (answered %d, connected %d)\n", kept, runs, answered,
              connected);
  EXPECT_EQ(kept, 0);
  EXPECT_GT(answered, 0) << "viewers must get as far as the answer";
}

}  // namespace
}  // namespace ds::webrtc
