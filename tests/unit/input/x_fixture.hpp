// Fixture for tests against a real Xvfb: one server per test binary process, a Desktop and an
// InputSession per test, and a recorder for what the session sends and asks of Controls.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "input/desktop.hpp"
#include "input/session.hpp"
#include "unit/input/xvfb.hpp"

namespace ds::input::test {

struct RecordingControls : Controls {
  void setVideoBitrate(int kbps) override { calls.push_back("vb " + std::to_string(kbps)); }
  void setAudioBitrate(int bps) override { calls.push_back("ab " + std::to_string(bps)); }
  void setFramerate(int fps) override { calls.push_back("fps " + std::to_string(fps)); }
  void setPointerVisible(bool v) override { calls.push_back(v ? "pointer 1" : "pointer 0"); }
  void onScreenResized(int w, int h) override {
    calls.push_back("resized " + std::to_string(w) + "x" + std::to_string(h));
  }
  double pictureScale() const override { return picture_scale; }
  std::vector<std::string> calls;
  double picture_scale = 1.0;  // what the server's encode reports (Controls::pictureScale)
};

class InputX : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (getenv("DS_INPUT_DEBUG") != nullptr) log::setLevel(log::Level::kDebug);
    xvfb_ = Xvfb::start();
  }
  static void TearDownTestSuite() { xvfb_.reset(); }

  void SetUp() override {
    ASSERT_NE(xvfb_, nullptr) << "could not start Xvfb";
    options_.display = xvfb_->display();
    options_.resize_enabled = true;
    auto desktop = Desktop::open(options_);
    ASSERT_TRUE(desktop.has_value()) << desktop.error().message;
    desktop_ = std::move(*desktop);
    session_ = makeSession(true);
  }
  void TearDown() override {
    session_.reset();
    desktop_.reset();
  }

  std::unique_ptr<InputSession> makeSession(bool can_control) {
    return std::make_unique<InputSession>(
        *desktop_, controls_, [this](std::string text) { sent_.push_back(std::move(text)); },
        can_control);
  }
  void send(const std::string& text) { session_->onMessage(text); }
  // Runs the GLib default context (X fd watch) until `done` or the timeout.
  bool pumpUntil(const std::function<bool()>& done, int timeout_ms = 5000);
  void pump(int ms) {
    pumpUntil([] { return false; }, ms);
  }
  // Sent messages of one JSON type, parsed.
  std::vector<std::string> sentOfType(const std::string& type) const;

  static inline std::unique_ptr<Xvfb> xvfb_;
  Options options_;
  RecordingControls controls_;
  std::vector<std::string> sent_;
  std::unique_ptr<Desktop> desktop_;
  std::unique_ptr<InputSession> session_;
};

}  // namespace ds::input::test
