// The option table: one row per setting, shared by the parser, --help and the docs test.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ds::config {

// An option parser's verdict on one value: refused, accepted, or accepted with a warning (a
// value that works but is probably not what was meant; logged at startup with the variable).
struct Verdict {
  Verdict(bool accepted) : ok(accepted) {}  // NOLINT(google-explicit-constructor): plain bool
  static Verdict warn(std::string why);
  static Verdict refuse(std::string why);
  explicit operator bool() const { return ok; }
  bool ok;
  std::string warning;  // ok: why the value is probably a mistake
  std::string reason;   // !ok: why it cannot work (besides the accepted values)
};

// Whether an option's value may be shown (startup log, error messages) or is masked.
enum class Secrecy { kPlain, kSecret };

struct Option {
  std::string flag;          // CLI name without dashes (Selkies spelling, e.g. "enable_basic_auth")
  std::string env;           // environment variable
  std::string default_text;  // the default, as text; "" means empty. The only place it is written.
  std::string help;
  std::string accepted;   // human text for errors, e.g. "an integer 1..65535"
  bool supported = true;  // false: validated, reported "not yet supported" when set
  // Marked explicitly per row (rows::secret, extraOption): masked wherever a value is shown.
  Secrecy secrecy = Secrecy::kPlain;
  bool extra = false;  // contributed by another module; stored in Config::extra
  // Read when `env` is unset, before the default (SELKIES_CURSOR_SIZE falls back to XCURSOR_SIZE).
  std::string fallback_env;
  // Parses `text` into the config; false when the text cannot work.
  std::function<Verdict(Config&, std::string_view)> apply;

  bool secret() const { return secrecy == Secrecy::kSecret; }
};

// `text` as it may be shown for `o`: "***" for a secret option, else the text itself.
std::string shown(const Option& o, std::string_view text);

const std::vector<Option>& options();

// An option of another module: free text stored in Config::extra[env] when set.
Option extraOption(std::string flag, std::string env, std::string default_text, std::string help,
                   Secrecy secrecy = Secrecy::kPlain);

}  // namespace ds::config
