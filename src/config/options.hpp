// The option table: one row per setting, shared by the parser, --help and the docs test.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ds::config {

struct Option {
  std::string flag;          // CLI name without dashes (Selkies spelling, e.g. "enable_basic_auth")
  std::string env;           // environment variable
  std::string default_text;  // default as text; "" means empty
  std::string help;
  std::string accepted;   // human text for errors, e.g. "an integer 1..65535"
  bool supported = true;  // false: validated, reported "not yet supported" when set
  bool secret = false;    // masked in the startup log
  bool extra = false;     // contributed by another module; stored in Config::extra
  // Read when `env` is unset, before the default (SELKIES_CURSOR_SIZE falls back to XCURSOR_SIZE).
  std::string fallback_env;
  // Parses `text` into the config; returns false when the text is not acceptable.
  std::function<bool(Config&, std::string_view)> apply;
};

const std::vector<Option>& options();

// An option of another module: free text stored in Config::extra[env] when set.
Option extraOption(std::string flag, std::string env, std::string default_text, std::string help,
                   bool secret = false);

}  // namespace ds::config
