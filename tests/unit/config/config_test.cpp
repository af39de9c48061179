#include "config/config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/options.hpp"

namespace ds::config {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](std::string_view k) -> std::optional<std::string> {
      auto it = vars.find(std::string(k));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

Result<Loaded> run(const Env& env, std::vector<const char*> args = {}) {
  args.insert(args.begin(), "deskstream");
  return load(static_cast<int>(args.size()), args.data(), env.fn(), nullptr);
}

TEST(Config, DefaultsMatchSelkies) {
  Env env;
  env.vars["USER"] = "alice";
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.addr, "0.0.0.0");
  EXPECT_EQ(c.encoder, "x264enc");
  EXPECT_EQ(c.framerate, 60);
  EXPECT_EQ(c.video_bitrate_kbps, 8000);
  EXPECT_EQ(c.audio_bitrate_bps, 128000);
  EXPECT_EQ(c.keyframe_distance_s, -1);
  EXPECT_TRUE(c.enable_basic_auth);
  EXPECT_EQ(c.basic_auth_user, "alice");
  EXPECT_EQ(c.basic_auth_password, "mypasswd");
  EXPECT_EQ(c.clipboard, ClipboardMode::kBoth);
  EXPECT_FALSE(c.enable_resize);
  EXPECT_EQ(c.stun_port, 19302);
  EXPECT_EQ(c.turn_rest_username_auth_header, "x-auth-user");
  EXPECT_EQ(c.display, ":0");
  EXPECT_EQ(c.max_peers, 16);
  EXPECT_EQ(c.max_peers_per_user, 8);
}

TEST(Config, EveryOptionHasEnvHelpAndAcceptsItsDefault) {
  std::set<std::string> envs;
  for (const auto& o : options()) {
    EXPECT_FALSE(o.help.empty()) << o.flag;
    EXPECT_TRUE(envs.insert(o.env).second) << "duplicate env " << o.env;
    Config c;
    if (o.default_text.find('$') == std::string::npos) {
      EXPECT_TRUE(o.apply(c, o.default_text)) << o.flag << " rejects its own default";
    }
  }
}

TEST(Config, EnvOverridesDefaultAndFlagOverridesEnv) {
  Env env;
  env.vars["SELKIES_PORT"] = "9000";
  env.vars["SELKIES_FRAMERATE"] = "30";
  auto r = run(env, {"--port", "9100"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.port, 9100);
  EXPECT_EQ(r->config.framerate, 30);
}

TEST(Config, BadValuesNameTheVariableAndAcceptedValues) {
  struct Case {
    const char* env;
    const char* value;
    const char* expect;
  };
  for (const Case& k :
       {Case{"SELKIES_PORT", "abc", "1..65535"}, Case{"SELKIES_PORT", "0", "1..65535"},
        Case{"SELKIES_ENCODER", "foo", "x264enc"}, Case{"SELKIES_FRAMERATE", "0", "at least 1"},
        Case{"SELKIES_FRAMERATE", "29.97", "whole number"},
        Case{"SELKIES_KEYFRAME_DISTANCE", "inf", "finite"},
        Case{"SELKIES_VIDEO_BITRATE", "12kbps", "whole number"},
        Case{"SELKIES_VIDEO_BITRATE", "8000000", "bit/s"},
        Case{"SELKIES_AUDIO_CHANNELS", "0", "1..8"},
        Case{"SELKIES_AUDIO_PACKETLOSS_PERCENT", "150", "0..100"},
        Case{"SELKIES_TURN_PORT", "abc", "1..65535"},
        Case{"SELKIES_METRICS_HTTP_PORT", "abc", "1..65535"},
        Case{"SELKIES_METRICS_HTTP_PORT", "65536", "1..65535"},
        Case{"DESKSTREAM_MAX_PEERS", "0", "1..1000"},
        Case{"DESKSTREAM_MAX_PEERS", "many", "1..1000"},
        Case{"DESKSTREAM_MAX_PEERS_PER_USER", "-1", "1..1000"},
        // Fail closed: Selkies would read "1" as false and serve the desktop without auth.
        Case{"SELKIES_ENABLE_BASIC_AUTH", "1", "turn authentication off"},
        Case{"SELKIES_ENABLE_BASIC_AUTH", "yes", "turn authentication off"}}) {
    Env env;
    env.vars[k.env] = k.value;
    auto r = run(env);
    ASSERT_FALSE(r) << k.env;
    EXPECT_NE(r.error().message.find(k.env), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(k.expect), std::string::npos) << r.error().message;
  }
}

// What Selkies accepts is accepted with its meaning; probable mistakes give one
// warning each, naming the variable.
TEST(Config, SelkiesValuesAreAcceptedWithWarnings) {
  Env env;
  env.vars["SELKIES_ENABLE_RESIZE"] = "yes";
  env.vars["SELKIES_ENABLE_CURSORS"] = "1";
  env.vars["SELKIES_ENABLE_CLIPBOARD"] = "sideways";
  env.vars["SELKIES_KEYFRAME_DISTANCE"] = "0.5";
  env.vars["SELKIES_AUDIO_PACKETLOSS_PERCENT"] = "2.5";
  env.vars["SELKIES_TURN_PROTOCOL"] = "TCP";
  env.vars["SELKIES_FRAMERATE"] = " 30 ";
  auto r = run(env, {"--enable_metrics_http", "on"});
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_FALSE(c.enable_resize);
  EXPECT_FALSE(c.enable_cursors);
  EXPECT_FALSE(c.enable_metrics_http);
  EXPECT_EQ(c.clipboard, ClipboardMode::kOff);
  EXPECT_EQ(c.keyframe_distance_s, 0.5);
  EXPECT_EQ(c.audio_packetloss_percent, 2.5);
  EXPECT_EQ(c.turn_protocol, "tcp");
  EXPECT_EQ(c.framerate, 30);
  std::string all;
  for (const auto& w : r->warnings) all += w + "\n";
  ASSERT_EQ(r->warnings.size(), 4u) << all;
  EXPECT_NE(all.find("SELKIES_ENABLE_RESIZE=\"yes\": read as false"), std::string::npos) << all;
  EXPECT_NE(all.find("SELKIES_ENABLE_CURSORS=\"1\": read as false"), std::string::npos) << all;
  EXPECT_NE(all.find("SELKIES_ENABLE_CLIPBOARD=\"sideways\""), std::string::npos) << all;
  EXPECT_NE(all.find("--enable_metrics_http=\"on\": read as false"), std::string::npos) << all;
}

TEST(Config, EmptyTurnOrStunPortMeansNoSuchServer) {
  Env env;
  env.vars["SELKIES_TURN_PORT"] = "";
  env.vars["SELKIES_STUN_PORT"] = " ";
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.turn_host, "");
  EXPECT_EQ(r->config.stun_host, "");
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_NE(r->warnings[0].find("SELKIES_TURN_PORT=\"\": empty: no TURN server"), std::string::npos)
      << r->warnings[0];
  env.vars["DESKSTREAM_FORCE_RELAY"] = "true";
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_TURN_PORT"), std::string::npos);
}

TEST(Config, DefaultsGiveNoWarnings) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
}

TEST(Config, HttpLimitsHaveDefaultsAndBounds) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.http_max_connections, 256);
  EXPECT_EQ(r->config.http_max_connections_per_address, 64);
  EXPECT_EQ(r->config.http_header_timeout_s, 10);
  EXPECT_EQ(r->config.http_idle_timeout_s, 60);
  env.vars["DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS"] = "0";
  env.vars["DESKSTREAM_HTTP_IDLE_TIMEOUT"] = "3";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.http_max_connections_per_address, 0);
  EXPECT_EQ(r->config.http_idle_timeout_s, 3);
  for (const auto& [name, bad] :
       std::map<std::string, std::string>{{"DESKSTREAM_HTTP_MAX_CONNECTIONS", "0"},
                                          {"DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "-1"},
                                          {"DESKSTREAM_HTTP_HEADER_TIMEOUT", "0"},
                                          {"DESKSTREAM_HTTP_IDLE_TIMEOUT", "2"}}) {
    Env e;
    e.vars[name] = bad;
    auto refused = run(e);
    ASSERT_FALSE(refused) << name;
    EXPECT_NE(refused.error().message.find(name), std::string::npos) << refused.error().message;
  }
}

TEST(Config, AccessHardeningSettings) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.turn_credential_lifetime_s, 3600);
  EXPECT_EQ(r->config.basic_auth_max_failures, 5);
  EXPECT_EQ(r->config.basic_auth_lockout_s, 60);
  EXPECT_EQ(r->config.public_url, "");
  EXPECT_EQ(r->config.trusted_proxies, "");
  env.vars["DESKSTREAM_TURN_CREDENTIAL_LIFETIME"] = "59";
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DESKSTREAM_TURN_CREDENTIAL_LIFETIME"), std::string::npos);
  env.vars["DESKSTREAM_TURN_CREDENTIAL_LIFETIME"] = "600";
  env.vars["DESKSTREAM_BASIC_AUTH_MAX_FAILURES"] = "0";
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DESKSTREAM_BASIC_AUTH_MAX_FAILURES"), std::string::npos);
  env.vars["DESKSTREAM_BASIC_AUTH_MAX_FAILURES"] = "3";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.turn_credential_lifetime_s, 600);
  EXPECT_EQ(r->config.basic_auth_max_failures, 3);
}

TEST(Config, EmptyPasswordWithAuthRefused) {
  Env env;
  env.vars["SELKIES_BASIC_AUTH_PASSWORD"] = "";
  auto r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_BASIC_AUTH_PASSWORD"), std::string::npos);
  env.vars["SELKIES_ENABLE_BASIC_AUTH"] = "false";
  EXPECT_TRUE(run(env));
}

TEST(Config, MetricsExporterIsSupportedAndNeedsAPortOfItsOwn) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->config.enable_metrics_http);
  EXPECT_EQ(r->config.metrics_http_port, 8000);
  for (const auto& s : r->settings) {
    if (s.env == "SELKIES_ENABLE_METRICS_HTTP" || s.env == "SELKIES_METRICS_HTTP_PORT") {
      EXPECT_TRUE(s.supported) << s.env << " is implemented: not \"not yet supported\"";
    }
  }
  env.vars["SELKIES_PORT"] = "9000";
  env.vars["SELKIES_METRICS_HTTP_PORT"] = "9000";
  EXPECT_TRUE(run(env)) << "the same port is fine while the exporter is off";
  env.vars["SELKIES_ENABLE_METRICS_HTTP"] = "true";
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_METRICS_HTTP_PORT=9000"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("SELKIES_PORT"), std::string::npos) << r.error().message;
  env.vars["SELKIES_METRICS_HTTP_PORT"] = "9001";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->config.enable_metrics_http);
  EXPECT_EQ(r->config.metrics_http_port, 9001);
}

TEST(Config, SecretsAreMaskedInSettings) {
  Env env;
  env.vars["SELKIES_BASIC_AUTH_PASSWORD"] = "hunter2";
  auto r = run(env);
  ASSERT_TRUE(r);
  for (const auto& s : r->settings) EXPECT_NE(s.value, "hunter2") << s.env;
}

TEST(Config, UnknownFlagIsAnError) {
  Env env;
  auto r = run(env, {"--no-such-flag"});
  ASSERT_FALSE(r);
}

TEST(Config, HelpListsEveryOption) {
  Env env;
  std::string help;
  const char* args[] = {"deskstream", "--help"};
  auto r = load(2, args, env.fn(), &help);
  ASSERT_FALSE(r);
  for (const auto& o : options()) EXPECT_NE(help.find("--" + o.flag), std::string::npos) << o.flag;
}

TEST(Config, UinputMouseSocketIsSupportedAndMustFitASocketPath) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.uinput_mouse_socket, "");  // Selkies' default: XTest only
  for (const auto& s : r->settings) {
    if (s.env == "SELKIES_UINPUT_MOUSE_SOCKET") EXPECT_TRUE(s.supported);
  }
  env.vars["SELKIES_UINPUT_MOUSE_SOCKET"] = "/tmp/.uinput/mouse.sock";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.uinput_mouse_socket, "/tmp/.uinput/mouse.sock");
  env.vars["SELKIES_UINPUT_MOUSE_SOCKET"] = "/" + std::string(107, 'm');  // 108 bytes
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_UINPUT_MOUSE_SOCKET"), std::string::npos)
      << r.error().message;
}

TEST(Config, GamepadSocketDirIsSupportedAndMustFitASocketPath) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.js_socket_path, "/tmp");  // Selkies' default: /tmp/selkies_js0.sock
  for (const auto& s : r->settings) {
    if (s.env == "SELKIES_JS_SOCKET_PATH") EXPECT_TRUE(s.supported);
  }
  env.vars["SELKIES_JS_SOCKET_PATH"] = "/run/user/1000/selkies";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.js_socket_path, "/run/user/1000/selkies");
  // Its sockets would not fit sockaddr_un's 108 bytes: startup stops naming the variable.
  env.vars["SELKIES_JS_SOCKET_PATH"] = "/" + std::string(90, 'd');
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_JS_SOCKET_PATH"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace ds::config
