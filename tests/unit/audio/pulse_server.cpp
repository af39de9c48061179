#include "unit/audio/pulse_server.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <vector>

namespace ds::audio::testing {
namespace {

bool pactlAnswers(const std::string& address) {
  const std::string server = "--server=" + address;
  const char* argv[] = {"pactl", server.c_str(), "info", nullptr};
  gint status = -1;
  const gboolean spawned =
      g_spawn_sync(nullptr, const_cast<gchar**>(argv), nullptr,
                   static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                            G_SPAWN_STDERR_TO_DEV_NULL),
                   nullptr, nullptr, nullptr, nullptr, &status, nullptr);
  return spawned && g_spawn_check_wait_status(status, nullptr);
}

}  // namespace

PulseServer::PulseServer() {
  gchar* dir = g_dir_make_tmp("ds-pulse-XXXXXX", nullptr);
  dir_ = dir != nullptr ? dir : "/tmp";
  g_free(dir);
  for (const char* sub : {"/run", "/home", "/state"})
    g_mkdir_with_parents((dir_ + sub).c_str(), 0700);
}

PulseServer::~PulseServer() {
  stop();
  const std::string cmd = "rm -rf '" + dir_ + "'";
  if (dir_.rfind("/tmp/ds-pulse-", 0) == 0) (void)system(cmd.c_str());
}

bool PulseServer::start() {
  if (running()) return true;
  const std::string socket =
      "--load=module-native-protocol-unix socket=" + dir_ + "/native auth-anonymous=1";
  const std::string log = dir_ + "/pulseaudio.log";
  std::vector<std::string> args = {"pulseaudio",
                                   "--daemonize=no",
                                   "--exit-idle-time=-1",
                                   "--system=false",
                                   "--disallow-exit",
                                   "--use-pid-file=false",
                                   "-n",
                                   "--load=module-null-sink sink_name=ds_test",
                                   socket,
                                   "--log-target=file:" + log};
  std::vector<std::string> env = {
      "HOME=" + dir_ + "/home", "XDG_RUNTIME_DIR=" + dir_ + "/run",
      "PULSE_RUNTIME_PATH=" + dir_ + "/run", "PULSE_STATE_PATH=" + dir_ + "/state",
      std::string("PATH=") + (g_getenv("PATH") ? g_getenv("PATH") : "/usr/bin")};
  std::vector<gchar*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<gchar*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  GPid pid = 0;
  if (!g_spawn_async(
          nullptr, argv.data(), envp.data(),
          static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL),
          nullptr, nullptr, &pid, nullptr)) {
    return false;
  }
  pid_ = pid;
  const gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    if (pactlAnswers(address())) return true;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;  // died
    g_usleep(50000);
  }
  stop();
  return false;
}

void PulseServer::pause() {
  if (pid_ > 0 && kill(pid_, SIGSTOP) == 0) paused_ = true;
}

void PulseServer::resume() {
  if (pid_ > 0 && paused_) kill(pid_, SIGCONT);
  paused_ = false;
}

void PulseServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  resume();  // a stopped process acts on SIGTERM only once continued
  const gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (g_get_monotonic_time() > end) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    g_usleep(10000);
  }
  pid_ = -1;
}

TonePlayer::TonePlayer(const std::string& server, double hz) {
  pipeline_ = gst_pipeline_new("tone");
  src_ = gst_element_factory_make("audiotestsrc", nullptr);
  GstElement* sink = gst_element_factory_make("pulsesink", nullptr);
  if (src_ == nullptr || sink == nullptr) return;
  g_object_set(src_, "is-live", TRUE, "freq", hz, "volume", 0.5, nullptr);
  g_object_set(sink, "server", server.c_str(), "buffer-time", static_cast<gint64>(20000),
               "latency-time", static_cast<gint64>(5000), nullptr);
  gst_bin_add_many(GST_BIN(pipeline_), src_, sink, nullptr);
  ok_ = gst_element_link(src_, sink) &&
        gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

TonePlayer::~TonePlayer() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

void TonePlayer::setFrequency(double hz) { g_object_set(src_, "freq", hz, nullptr); }

void iterate(int ms) {
  iterateUntil([] { return false; }, ms);
}

}  // namespace ds::audio::testing
