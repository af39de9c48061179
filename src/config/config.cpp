#include "config/config.hpp"

#include <CLI/CLI.hpp>
#include <map>
#include <sstream>

#include "config/options.hpp"
#include "core/strings.hpp"

namespace ds::config {
namespace {

// Defaults that depend on the environment, as Selkies computes them.
std::string effectiveDefault(const Option& o, const GetEnv& getenv) {
  if (o.default_text == "$USER") return getenv("USER").value_or("");
  if (o.default_text == "selkies-$HOSTNAME") {
    std::string host = getenv("HOSTNAME").value_or("localhost");
    for (char& ch : host) {
      if (ch == ':') ch = '-';
    }
    return "selkies-" + host;
  }
  return o.default_text;
}

}  // namespace

std::string_view toString(ClipboardMode mode) {
  switch (mode) {
    case ClipboardMode::kOff:
      return "false";
    case ClipboardMode::kIn:
      return "in";
    case ClipboardMode::kOut:
      return "out";
    case ClipboardMode::kBoth:
      return "true";
  }
  return "?";
}

Result<Outcome> load(int argc, const char* const* argv, const GetEnv& getenv,
                     const std::vector<Option>& extra) {
  std::vector<Option> table = options();
  table.insert(table.end(), extra.begin(), extra.end());
  CLI::App app{"deskstream: stream a Linux desktop to a browser over WebRTC (Selkies-compatible)",
               "deskstream"};
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.get_formatter()->column_width(40);
  std::map<std::string, std::string> cli_values;
  std::map<std::string, CLI::Option*> cli_options;
  for (const auto& o : table) {
    std::string help = o.help + " [env " + o.env + ", default \"" + o.default_text + "\"]";
    if (!o.supported) help += " (not yet supported)";
    cli_options[o.flag] = app.add_option("--" + o.flag, cli_values[o.flag], help);
  }
  bool debug = false;
  app.add_flag("--debug", debug, "Debug logging");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return Outcome{HelpRequested{app.help()}};
  } catch (const CLI::ParseError& e) {
    return fail(std::string("command line: ") + e.what() + " (see --help)");
  }

  Loaded loaded;
  loaded.config.debug = debug;
  for (const auto& o : table) {
    std::string text;
    bool from_default = false;
    std::string source;
    if (cli_options[o.flag]->count() > 0) {
      text = cli_values[o.flag];
      source = "--" + o.flag;
    } else if (auto env = getenv(o.env)) {
      text = *env;
      source = o.env;
    } else if (auto fallback = o.fallback_env.empty() ? std::nullopt : getenv(o.fallback_env)) {
      text = *fallback;
      source = o.fallback_env;
    } else {
      text = effectiveDefault(o, getenv);
      from_default = true;
      source = o.env;
    }
    if (from_default && o.extra) continue;  // unset module option: the module's own default
    const std::string where = source + "=\"" + shown(o, text) + "\"";
    const Verdict verdict = o.apply(loaded.config, text);
    if (!verdict) {
      return fail(where + " is not valid: expected " + o.accepted +
                  (verdict.reason.empty() ? "" : " (" + verdict.reason + ")"));
    }
    if (!verdict.warning.empty()) loaded.warnings.push_back(where + ": " + verdict.warning);
    loaded.settings.push_back(
        Setting{o.flag, o.env, text.empty() ? text : shown(o, text), from_default, o.supported});
  }
  if (auto st = validateCombination(loaded.config); !st) return Unexpected<Error>{st.error()};
  return Outcome{std::move(loaded)};
}

Status validateCombination(const Config& c) {
  if (c.auth.enable_basic_auth && c.auth.basic_auth_password.empty()) {
    return fail(
        "SELKIES_BASIC_AUTH_PASSWORD is empty while SELKIES_ENABLE_BASIC_AUTH=true: set a "
        "password or disable basic auth");
  }
  if (!c.ice.turn_username.empty() && c.ice.turn_password.empty()) {
    return fail("SELKIES_TURN_PASSWORD is empty while SELKIES_TURN_USERNAME is set");
  }
  if (c.ice.force_relay && c.ice.turn_host.empty()) {
    return fail(
        "DESKSTREAM_FORCE_RELAY=true needs a TURN server: SELKIES_TURN_HOST or SELKIES_TURN_PORT "
        "is empty");
  }
  if (c.metrics.enable_http && c.metrics.http_port == c.http.port) {
    return fail("SELKIES_METRICS_HTTP_PORT=" + std::to_string(c.metrics.http_port) +
                " is also SELKIES_PORT: the exporter needs a port of its own");
  }
  return {};
}

}  // namespace ds::config
