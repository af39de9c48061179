// A private PulseAudio daemon for tests: its own runtime dir, HOME and socket, a null sink
// `ds_test` (its monitor is the default source), anonymous auth, no idle exit, no autospawn.
// Works as root without --system (pulseaudio only warns). Also a tone player for that sink.
#pragma once

#include <gst/gst.h>
#include <sys/types.h>

#include <string>

namespace ds::audio::testing {

class PulseServer {
 public:
  // Picks a fresh directory; the daemon is not started yet.
  PulseServer();
  ~PulseServer();
  PulseServer(const PulseServer&) = delete;
  PulseServer& operator=(const PulseServer&) = delete;

  // Starts the daemon and waits until `pactl info` answers (false after 10 s).
  bool start();
  void stop();
  // SIGSTOP / SIGCONT: a hung server (its socket stays open, nothing is read or written).
  void pause();
  void resume();
  bool running() const { return pid_ > 0; }
  // "unix:<dir>/native": for pulsesrc/pulsesink "server" and PULSE_SERVER.
  std::string address() const { return "unix:" + dir_ + "/native"; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  bool paused_ = false;
};

// audiotestsrc (sine) -> pulsesink on `server`, playing until destroyed or setFrequency'd.
class TonePlayer {
 public:
  TonePlayer(const std::string& server, double hz);
  ~TonePlayer();
  TonePlayer(const TonePlayer&) = delete;
  TonePlayer& operator=(const TonePlayer&) = delete;
  bool ok() const { return ok_; }
  void setFrequency(double hz);

 private:
  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  bool ok_ = false;
};

// Runs the default main context for `ms` milliseconds.
void iterate(int ms);
// Runs the default main context until `done()` or `ms` elapsed; returns done().
template <typename Fn>
bool iterateUntil(Fn done, int ms) {
  const gint64 end = g_get_monotonic_time() + static_cast<gint64>(ms) * 1000;
  while (!done() && g_get_monotonic_time() < end) {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    g_usleep(2000);
  }
  return done();
}

}  // namespace ds::audio::testing
