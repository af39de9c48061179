#include "config/config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <variant>

#include "config/options.hpp"
#include "media/encoder_table.hpp"

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

Result<Outcome> outcome(const Env& env, std::vector<const char*> args,
                        const std::vector<Option>& extra = {}) {
  args.insert(args.begin(), "deskstream");
  return load(static_cast<int>(args.size()), args.data(), env.fn(), extra);
}

Result<Loaded> run(const Env& env, std::vector<const char*> args = {},
                   const std::vector<Option>& extra = {}) {
  auto r = outcome(env, std::move(args), extra);
  if (!r) return Unexpected<Error>{r.error()};
  if (auto* loaded = std::get_if<Loaded>(&*r)) return std::move(*loaded);
  return fail("help instead of a configuration");
}

TEST(Config, DefaultsMatchSelkies) {
  Env env;
  env.vars["USER"] = "alice";
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.addr, "0.0.0.0");
  EXPECT_EQ(c.video.encoder, "x264enc");
  EXPECT_EQ(c.video.framerate, 60);
  EXPECT_EQ(c.video.bitrate_kbps, 8000);
  EXPECT_EQ(c.audio.bitrate_bps, 128000);
  EXPECT_EQ(c.video.keyframe_distance_s, -1);
  EXPECT_TRUE(c.auth.enable_basic_auth);
  EXPECT_EQ(c.auth.basic_auth_user, "alice");
  EXPECT_EQ(c.auth.basic_auth_password, "mypasswd");
  EXPECT_EQ(c.desktop.clipboard, ClipboardMode::kBoth);
  EXPECT_FALSE(c.desktop.enable_resize);
  EXPECT_EQ(c.ice.stun_port, 19302);
  EXPECT_EQ(c.ice.turn_rest_username_auth_header, "x-auth-user");
  EXPECT_EQ(c.desktop.display, ":0");
  EXPECT_EQ(c.peers.max, 16);
  EXPECT_EQ(c.peers.max_per_user, 8);
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
  EXPECT_EQ(r->config.http.port, 9100);
  EXPECT_EQ(r->config.video.framerate, 30);
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
  EXPECT_FALSE(c.desktop.enable_resize);
  EXPECT_FALSE(c.desktop.enable_cursors);
  EXPECT_FALSE(c.metrics.enable_http);
  EXPECT_EQ(c.desktop.clipboard, ClipboardMode::kOff);
  EXPECT_EQ(c.video.keyframe_distance_s, 0.5);
  EXPECT_EQ(c.audio.packetloss_percent, 2.5);
  EXPECT_EQ(c.ice.turn_protocol, "tcp");
  EXPECT_EQ(c.video.framerate, 30);
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
  EXPECT_EQ(r->config.ice.turn_host, "");
  EXPECT_EQ(r->config.ice.stun_host, "");
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
  EXPECT_EQ(r->config.http.max_connections, 256);
  EXPECT_EQ(r->config.http.max_connections_per_address, 64);
  EXPECT_EQ(r->config.http.header_timeout_s, 10);
  EXPECT_EQ(r->config.http.idle_timeout_s, 60);
  env.vars["DESKSTREAM_HTTP_MAX_CONNECTIONS_PER_ADDRESS"] = "0";
  env.vars["DESKSTREAM_HTTP_IDLE_TIMEOUT"] = "3";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.http.max_connections_per_address, 0);
  EXPECT_EQ(r->config.http.idle_timeout_s, 3);
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
  EXPECT_EQ(r->config.ice.turn_credential_lifetime_s, 3600);
  EXPECT_EQ(r->config.auth.basic_auth_max_failures, 5);
  EXPECT_EQ(r->config.auth.basic_auth_lockout_s, 60);
  EXPECT_EQ(r->config.auth.public_url, "");
  EXPECT_EQ(r->config.auth.trusted_proxies, "");
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
  EXPECT_EQ(r->config.ice.turn_credential_lifetime_s, 600);
  EXPECT_EQ(r->config.auth.basic_auth_max_failures, 3);
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
  EXPECT_FALSE(r->config.metrics.enable_http);
  EXPECT_EQ(r->config.metrics.http_port, 8000);
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
  EXPECT_TRUE(r->config.metrics.enable_http);
  EXPECT_EQ(r->config.metrics.http_port, 9001);
}

TEST(Config, SecretsAreMaskedInSettings) {
  Env env;
  env.vars["SELKIES_BASIC_AUTH_PASSWORD"] = "hunter2";
  auto r = run(env);
  ASSERT_TRUE(r);
  for (const auto& s : r->settings) EXPECT_NE(s.value, "hunter2") << s.env;
}

// SELKIES_ENCODER and DESKSTREAM_EXTRA_ENCODERS accept exactly the encoder table's names.
TEST(Config, EncoderNamesAreTheEncoderTables) {
  std::string all;
  for (const auto& e : media::kEncoders) {
    Env env;
    env.vars["SELKIES_ENCODER"] = std::string(e.name);
    env.vars["DESKSTREAM_EXTRA_ENCODERS"] = std::string(e.name);
    auto r = run(env);
    ASSERT_TRUE(r) << e.name << ": " << r.error().message;
    EXPECT_EQ(r->config.video.encoder, e.name);
    EXPECT_EQ(r->config.video.extra_encoders, std::vector<std::string>{std::string(e.name)});
    all += std::string(e.name) + " ";
  }
  for (const char* var : {"SELKIES_ENCODER", "DESKSTREAM_EXTRA_ENCODERS"}) {
    Env env;
    env.vars[var] = "vaapih264enc";
    auto r = run(env);
    ASSERT_FALSE(r) << var;
    EXPECT_NE(r.error().message.find(var), std::string::npos) << r.error().message;
  }
  Env env;
  env.vars["SELKIES_ENCODER"] = "vaapih264enc";
  auto r = run(env);
  ASSERT_FALSE(r);
  for (const auto& e : media::kEncoders) {
    EXPECT_NE(r.error().message.find(std::string(e.name)), std::string::npos)
        << e.name << " missing from " << r.error().message;
  }
}

TEST(Config, UnknownFlagIsAnError) {
  Env env;
  auto r = run(env, {"--no-such-flag"});
  ASSERT_FALSE(r);
}

TEST(Config, HelpIsATypedOutcomeListingEveryOption) {
  Env env;
  for (const char* flag : {"--help", "-h"}) {
    auto r = outcome(env, {flag});
    ASSERT_TRUE(r) << flag << ": help is not an error: " << r.error().message;
    const auto* help = std::get_if<HelpRequested>(&*r);
    ASSERT_NE(help, nullptr) << flag;
    for (const auto& o : options()) {
      EXPECT_NE(help->text.find("--" + o.flag), std::string::npos) << o.flag;
    }
  }
  // Help wins over values that would not load, and a bad flag is still an error, not help.
  env.vars["SELKIES_PORT"] = "abc";
  auto r = outcome(env, {"--help"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::holds_alternative<HelpRequested>(*r));
  r = outcome(Env{}, {"--helpp"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("command line"), std::string::npos) << r.error().message;
  // Without --help the outcome is the configuration.
  r = outcome(Env{}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(std::holds_alternative<Loaded>(*r));
}

// Secret options are marked in the table itself, not recognised by their name: exactly these.
TEST(Config, SecretOptionsAreMarkedInTheTable) {
  std::set<std::string> secrets;
  for (const auto& o : options()) {
    if (o.secret()) secrets.insert(o.env);
  }
  EXPECT_EQ(secrets,
            (std::set<std::string>{"SELKIES_BASIC_AUTH_PASSWORD", "SELKIES_TURN_SHARED_SECRET",
                                   "SELKIES_TURN_PASSWORD", "SELKIES_CLOUDFLARE_TURN_API_TOKEN"}));
  for (const auto& o : options()) {
    EXPECT_EQ(shown(o, "v"), o.secret() ? "***" : "v") << o.env;
  }
}

TEST(Config, EverySecretIsMaskedAndOnlySecretsAre) {
  Env env;
  std::map<std::string, std::string> given;
  for (const auto& o : options()) {
    if (o.secret()) env.vars[o.env] = given[o.env] = "s3cr3t-" + o.flag;
  }
  env.vars["SELKIES_TURN_USERNAME"] = "turn-user";  // plain, shown as it is
  // Another module's options are masked by their own mark, whatever their name.
  const std::vector<Option> extra = {
      extraOption("x-key", "DESKSTREAM_TEST_KEY", "", "a key", Secrecy::kSecret),
      extraOption("x-secret-name", "DESKSTREAM_TEST_SECRET_NAME", "", "not a secret")};
  env.vars["DESKSTREAM_TEST_KEY"] = given["DESKSTREAM_TEST_KEY"] = "k3y";
  env.vars["DESKSTREAM_TEST_SECRET_NAME"] = "plain-value";
  auto r = run(env, {}, extra);
  ASSERT_TRUE(r) << r.error().message;
  std::map<std::string, std::string> values;
  for (const auto& s : r->settings) values[s.env] = s.value;
  for (const auto& [name, value] : given) {
    EXPECT_EQ(values[name], "***") << name;
  }
  EXPECT_EQ(values["SELKIES_TURN_USERNAME"], "turn-user");
  EXPECT_EQ(values["DESKSTREAM_TEST_SECRET_NAME"], "plain-value");
  EXPECT_EQ(r->config.extra["DESKSTREAM_TEST_KEY"], "k3y") << "masked in the log, not in the value";
  EXPECT_EQ(r->config.auth.basic_auth_password, "s3cr3t-basic_auth_password");
}

TEST(Config, UinputMouseSocketIsSupportedAndMustFitASocketPath) {
  Env env;
  auto r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.desktop.uinput_mouse_socket, "");  // Selkies' default: XTest only
  for (const auto& s : r->settings) {
    if (s.env == "SELKIES_UINPUT_MOUSE_SOCKET") EXPECT_TRUE(s.supported);
  }
  env.vars["SELKIES_UINPUT_MOUSE_SOCKET"] = "/tmp/.uinput/mouse.sock";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.desktop.uinput_mouse_socket, "/tmp/.uinput/mouse.sock");
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
  EXPECT_EQ(r->config.desktop.js_socket_path, "/tmp");  // Selkies' default: /tmp/selkies_js0.sock
  for (const auto& s : r->settings) {
    if (s.env == "SELKIES_JS_SOCKET_PATH") EXPECT_TRUE(s.supported);
  }
  env.vars["SELKIES_JS_SOCKET_PATH"] = "/run/user/1000/selkies";
  r = run(env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.desktop.js_socket_path, "/run/user/1000/selkies");
  // Its sockets would not fit sockaddr_un's 108 bytes: startup stops naming the variable.
  env.vars["SELKIES_JS_SOCKET_PATH"] = "/" + std::string(90, 'd');
  r = run(env);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("SELKIES_JS_SOCKET_PATH"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace ds::config
