#include "app/app.hpp"

#include <glib-unix.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <variant>

#include "app/access.hpp"
#include "app/display_lost.hpp"
#include "app/display_probe.hpp"
#include "app/endpoints.hpp"
#include "app/ice_sources.hpp"
#include "app/input_wiring.hpp"
#include "app/network_figures.hpp"
#include "app/startup.hpp"
#include "auth/jwt_config.hpp"
#include "auth/mint.hpp"
#include "auth/startup_policy.hpp"
#include "auth/transport.hpp"
#include "config/config.hpp"
#include "config/json_overlay.hpp"
#include "config/options.hpp"
#include "core/log.hpp"
#include "core/memory.hpp"
#include "gamepad/gamepads.hpp"
#include "http/metrics_server.hpp"
#include "http/server.hpp"
#include "media/encoder_probe.hpp"
#include "media/encoder_table.hpp"
#include "metrics/metrics.hpp"
#include "session/manager.hpp"
#include "stats/csv_recorder.hpp"
#include "turn/rest_monitor.hpp"
#include "turn/rtc_config.hpp"

namespace ds::app {
namespace {

constexpr const char* kLog = "app";

// DESKSTREAM_TURN_IDENTITY, else the JWT session id, else the host name plus a random suffix
// per start: never one TURN user name shared by every pod.
std::string turnIdentity(const config::Config& c) {
  if (!c.ice.turn_identity.empty()) return c.ice.turn_identity;
  if (auto it = c.extra.find("DESKSTREAM_JWT_SESSION"); it != c.extra.end() && !it->second.empty())
    return it->second;
  const char* host = std::getenv("HOSTNAME");
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host != nullptr && *host != '\0' ? host : "deskstream") + "-" + suffix;
}

// Everything that lives for the whole run, in construction order.
class App {
 public:
  App(config::Config config, std::unique_ptr<auth::Verifier> verifier, AccessSettings access)
      : config_(std::move(config)), access_(config_, std::move(verifier), std::move(access)) {}

  Status start() {
    if (auto st = waitForDisplay(config_.desktop.display, std::chrono::seconds(10)); !st) return st;
    display_probe_ = std::make_unique<DisplayProbe>(config_.desktop.display);
    media::EncodeParams params;
    params.framerate = config_.video.framerate;
    params.bitrate_kbps = config_.video.bitrate_kbps;
    params.keyframe_distance_s = config_.video.keyframe_distance_s;
    params.packetloss_percent = config_.video.packetloss_percent;
    params.gpu_id = config_.video.gpu_id;
    params.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    auto choice = media::chooseEncoder(config_.video.encoder, params);
    if (!choice) return Unexpected<Error>{choice.error()};
    if (choice->encoder != config_.video.encoder) {
      log::warn(kLog, media::fallbackLine(config_.video.encoder, *choice));
    }
    encoder_ = choice->encoder;
    log::info(kLog, "video encoder: " + encoder_);
    // Other codecs for browsers that cannot decode this one (docs/encoders.md, "Codecs per
    // viewer"): probed once, here.
    for (const auto& extra : config_.video.extra_encoders) {
      if (config_.video.bench_baseline) break;
      if (media::codecOf(extra) == media::codecOf(encoder_)) continue;
      if (auto st = media::probeEncoder(extra, params); !st) {
        log::warn(kLog, "DESKSTREAM_EXTRA_ENCODERS: " + extra + " left out: " + st.error().message);
        continue;
      }
      extra_encoders_.push_back(extra);
    }
    std::string offered(media::codecOf(encoder_));
    for (const auto& e : extra_encoders_) offered += ", " + std::string(media::codecOf(e));
    log::info(kLog, "video codecs offered, in order: " + offered);
    webrtc::warmUp();  // so the first viewer does not wait for the DTLS key
    if (config_.metrics.enable_http) {
      metrics_ = std::make_unique<metrics::Metrics>(DS_VERSION, encoder_);
      // One fallback event: the requested encoder is not the one used (the log names each skip).
      if (encoder_ != config_.video.encoder) {
        metrics_->countEncoderFallback(config_.video.encoder, encoder_, metrics::Phase::kStartup);
      }
    }

    auto desktop = input::Desktop::open(inputOptions(config_));
    if (desktop) {
      desktop_ = std::move(*desktop);
    } else {
      log::warn(kLog, "keyboard/mouse/clipboard disabled: " + desktop.error().message);
    }
    input_ = std::make_unique<InputWiring>(desktop_.get(), config_);
    input_->setMetrics(metrics_.get());
    input_->setJsonConfig(config_.json_config);
    if (config_.stats.enable) {
      stats_ = std::make_unique<stats::Recorder>(config_.stats.dir);
      input_->setStatsRecorder(stats_.get());
      log::info(kLog, "WebRTC statistics CSV files in " + config_.stats.dir);
    }
    gamepads_ = std::make_unique<gamepad::Gamepads>(config_.desktop.js_socket_path);
    input_->setGamepads(gamepads_.get());
    if (auto st = ice_.startRest(); !st) return st;
    input_->startServerStats(static_cast<unsigned>(std::max(0, config_.video.gpu_id)));

    session::ManagerOptions mo;
    mo.channel_handler = [this](const session::PeerInfo& peer,
                                std::function<void(std::string)> send) {
      return input_->makeChannel(peer, std::move(send));
    };
    mo.on_video_hello = [this](const session::PeerInfo& peer) { input_->onVideoHello(peer); };
    mo.refresh = [this](const session::PeerInfo& peer, std::string token) {
      return access_.refresh(peer, token);
    };
    mo.video.display = config_.desktop.display;
    mo.video.encoder = encoder_;
    mo.video.params = params;
    mo.video.naive_baseline = config_.video.bench_baseline;
    mo.video.transport_cc = config_.video.congestion_control;
    mo.congestion_control = config_.video.congestion_control;
    mo.video.extra_encoders = extra_encoders_;
    mo.peer_caps = {config_.peers.max, config_.peers.max_per_user};
    if (config_.video.bench_baseline) {
      log::warn(kLog, "DESKSTREAM_BENCH_BASELINE: streaming with the benchmark's naive pipeline");
    }
    mo.probe_encoder = [params](const std::string& encoder) {
      return media::probeEncoder(encoder, params);
    };
    mo.on_encoder_changed = [this](const std::string& from, const std::string& to,
                                   const std::string& /*why: logged by the manager*/) {
      if (!metrics_) return;
      metrics_->countEncoderFallback(from, to, metrics::Phase::kRuntime);
      metrics_->setEncoder(to);
    };
    mo.ice_servers = [this] { return ice_.serverIce(); };
    audio::AudioOptions ao;  // PulseAudio server: PULSE_SERVER or libpulse's default
    ao.channels = config_.audio.channels;
    ao.bitrate_bps = config_.audio.bitrate_bps;
    ao.packetloss_percent = config_.audio.packetloss_percent;
    // Without PulseAudio the audio peer still connects (on silence): the Selkies web client
    // hides its spinner only when both of its peer connections are connected.
    ao.silence_when_unavailable = true;
    mo.audio = ao;
    sessions_ = std::make_unique<session::Manager>(std::move(mo));
    input_->attach(sessions_.get());

    http::ServerOptions so;
    so.addr = config_.http.addr;
    so.port = config_.http.port;
    so.web_root = resolveWebRoot(config_.http.web_root);
    so.https = config_.http.enable_https;
    so.cert_file = config_.http.https_cert;
    so.key_file = config_.http.https_key;
    so.websocket_protocols = {std::string(auth::kWebSocketProtocol)};
    so.max_connections = config_.http.max_connections;
    so.max_connections_per_address = config_.http.max_connections_per_address;
    so.header_timeout_s = config_.http.header_timeout_s;
    so.idle_timeout_s = config_.http.idle_timeout_s;
    log::info(kLog, "web client from " + so.web_root);
    auto server = http::Server::start(
        so, makeHandlers({config_, access_, *display_probe_, ice_, *sessions_}));
    if (!server) return Unexpected<Error>{server.error()};
    server_ = std::move(*server);
    if (metrics_) {
      auto exporter = http::MetricsServer::start(config_.http.addr, config_.metrics.http_port,
                                                 [this] { return scrapeMetrics(); });
      if (!exporter) return Unexpected<Error>{exporter.error()};
      exporter_ = std::move(*exporter);
      log::info(kLog, "Prometheus metrics at http://" + config_.http.addr + ":" +
                          std::to_string(exporter_->port()) + "/metrics (no auth on this port)");
    }
    return {};
  }

  int port() const { return server_->port(); }

  void stop() {
    if (sessions_) sessions_->closeAll("server shutting down");
  }

 private:
  // GET /metrics on the exporter port: the manager's figures as they are now, then every family.
  http::Response scrapeMetrics() {
    metrics::ServerState s;
    s.encoder = sessions_->encoder();
    s.connections = sessions_->connections();
    s.video_viewers = sessions_->videoPeers();
    s.peers = sessions_->peers();
    s.peers_refused = sessions_->peersRefused();
    s.pipeline_starts = sessions_->pipelinesStarted();
    s.frames_encoded = sessions_->framesEncoded();
    s.frames_skipped = sessions_->framesSkipped();
    s.audio_up = sessions_->audioStatus() == "available";
    const session::PipelineCount running = sessions_->runningPipelines();
    s.pipelines = running.pipelines;
    s.pipeline_elements = running.elements;
    metrics_->update(s);
    metrics_->setNetwork(networkFigures(*sessions_), encoderFigures(*sessions_));
    return http::Response{200, std::string(metrics::kContentType), metrics_->render(), {}};
  }

  config::Config config_;
  Access access_;
  std::unique_ptr<DisplayProbe> display_probe_;
  std::vector<std::string> extra_encoders_;  // DESKSTREAM_EXTRA_ENCODERS that passed the probe
  std::string encoder_;
  std::unique_ptr<metrics::Metrics> metrics_;    // when enabled; outlives the input channels
  std::unique_ptr<stats::Recorder> stats_;       // SELKIES_ENABLE_WEBRTC_STATISTICS; ditto
  std::unique_ptr<gamepad::Gamepads> gamepads_;  // outlives the input channels
  IceSources ice_{config_};                      // /turn and the server's ICE servers
  std::unique_ptr<input::Desktop> desktop_;
  std::unique_ptr<InputWiring> input_;
  std::unique_ptr<session::Manager> sessions_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::MetricsServer> exporter_;
};

}  // namespace

int run(int argc, char** argv) {
  // First, before any thread or pipeline exists (core/memory.hpp).
  const bool huge_pages_off = core::disableTransparentHugePages();
  if (argc > 1 && std::string_view(argv[1]) == "token")
    return auth::runTokenCommand(argc - 1, argv + 1);
  std::vector<config::Option> extra;
  for (const auto& o : auth::jwtEnvOptions()) {
    std::string flag(o.flag);
    while (!flag.empty() && flag.front() == '-') flag.erase(flag.begin());
    extra.push_back(config::extraOption(
        flag, std::string(o.name), std::string(o.default_value), std::string(o.help),
        o.secret ? config::Secrecy::kSecret : config::Secrecy::kPlain));
  }
  auto outcome = config::load(
      argc, argv,
      [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr) return std::nullopt;
        return std::string(v);
      },
      extra);
  if (!outcome) {
    std::fprintf(stderr, "deskstream: %s\n", outcome.error().message.c_str());
    return 2;
  }
  if (const auto* help = std::get_if<config::HelpRequested>(&*outcome)) {
    std::fputs(help->text.c_str(), stdout);
    return 0;
  }
  config::Loaded* loaded = &std::get<config::Loaded>(*outcome);
  if (loaded->config.debug) log::setLevel(log::Level::kDebug);
  if (!huge_pages_off) {
    log::warn(kLog, "could not turn transparent huge pages off: idle memory may creep up");
  }
  // SELKIES_JSON_CONFIG overrides the environment, as in Selkies; never stops startup.
  if (auto file = config::readJsonConfig(loaded->config.json_config); !file) {
    log::warn("config", file.error().message + "; its settings are ignored");
  } else if (*file) {
    const std::string path = loaded->config.json_config;
    const auto report = config::applyJsonOverlay(*loaded, **file, path);
    for (const auto& w : report.warnings) log::warn("config", w);
    for (const auto& a : report.applied)
      log::info("config", "SELKIES_JSON_CONFIG " + path + ": " + a);
  }
  if (!loaded->config.ice.turn_rest_uri.empty()) {
    if (auto st = turn::checkRestUri(loaded->config.ice.turn_rest_uri); !st) {
      std::fprintf(stderr, "deskstream: %s\n", st.error().message.c_str());
      return 2;
    }
  }
  if (loaded->config.stats.enable) {
    if (auto st = stats::checkDirectory(loaded->config.stats.dir); !st) {
      std::fprintf(stderr, "deskstream: %s\n", st.error().message.c_str());
      return 2;
    }
  }
  const auto& extras = loaded->config.extra;
  auto jwt = auth::configFromEnv([&extras](std::string_view name) -> std::optional<std::string> {
    auto it = extras.find(std::string(name));
    if (it == extras.end()) return std::nullopt;
    return it->second;
  });
  if (!jwt) {
    std::fprintf(stderr, "deskstream: %s\n", jwt.error().message.c_str());
    return 2;
  }
  config::Config& config = loaded->config;
  const bool basic_explicit =
      std::any_of(loaded->settings.begin(), loaded->settings.end(), [](const config::Setting& st) {
        return st.env == "SELKIES_ENABLE_BASIC_AUTH" && !st.from_default;
      });
  config.auth.enable_basic_auth =
      auth::basicAuthEnabled(jwt->enabled(), config.auth.enable_basic_auth, basic_explicit);
  auto access = accessSettings(config);
  if (!access) {
    std::fprintf(stderr, "deskstream: %s\n", access.error().message.c_str());
    return 2;
  }
  config.ice.turn_identity = turnIdentity(config);
  gst_init(nullptr, nullptr);
  logSettings(*loaded);
  if (jwt->enabled() && !config.auth.enable_basic_auth) {
    log::info(kLog,
              "Basic auth off: JWT is configured (set SELKIES_ENABLE_BASIC_AUTH=true to keep it)");
  }
  for (const auto& w : auth::startupWarnings({config.http.addr, config.auth.enable_basic_auth,
                                              config.auth.basic_auth_password, jwt->enabled()})) {
    log::warn(kLog, w);
  }
  log::info(kLog, "TURN identity " + config.ice.turn_identity);
  if (auto unwritable = unwritableDirectories(config)) log::warn(kLog, *unwritable);
  waitForReadyFile(loaded->config);

  std::unique_ptr<auth::Verifier> verifier;
  if (jwt->enabled()) {
    auto created = auth::Verifier::create(*jwt);
    if (!created) {
      std::fprintf(stderr, "deskstream: %s\n", created.error().message.c_str());
      return 2;
    }
    verifier = std::move(*created);
    verifier->refreshKeys([](Status st) {
      if (!st) log::warn("auth", "JWKS fetch failed: " + st.error().message);
    });
    log::info(kLog, "JWT access control on");
  }
  exitWhenDisplayLost();  // X going away ends the process with kExitDisplayLost
  App app(config, std::move(verifier), std::move(*access));
  if (auto st = app.start(); !st) {
    std::fprintf(stderr, "deskstream: %s\n", st.error().message.c_str());
    return 1;
  }
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  auto quit = +[](gpointer l) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(l));
    return G_SOURCE_REMOVE;
  };
  g_unix_signal_add(SIGINT, quit, loop);
  g_unix_signal_add(SIGTERM, quit, loop);
  const std::string scheme = loaded->config.http.enable_https ? "https" : "http";
  const std::string host =
      loaded->config.http.addr == "0.0.0.0" ? "127.0.0.1" : loaded->config.http.addr;
  log::info(kLog, "deskstream " DS_VERSION " streaming " + loaded->config.desktop.display + " at " +
                      scheme + "://" + host + ":" + std::to_string(app.port()) + "/");
  g_main_loop_run(loop);
  log::info(kLog, "shutting down");
  app.stop();
  // Let the close frames and branch teardown run.
  for (int i = 0; i < 50 && g_main_context_iteration(nullptr, FALSE); ++i) {
  }
  g_main_loop_unref(loop);
  return 0;
}

}  // namespace ds::app
