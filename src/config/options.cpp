#include "config/options.hpp"

#include <utility>

#include "config/option_builders.hpp"
#include "core/strings.hpp"
#include "media/encoder_table.hpp"

namespace ds::config {

Verdict Verdict::warn(std::string why) {
  Verdict v(true);
  v.warning = std::move(why);
  return v;
}

Verdict Verdict::refuse(std::string why) {
  Verdict v(false);
  v.reason = std::move(why);
  return v;
}

std::string shown(const Option& o, std::string_view text) {
  return o.secret() ? std::string("***") : std::string(text);
}

namespace rows {

Apply str(Field<std::string> field) {
  return [field](Config& c, std::string_view v) {
    field(c) = std::string(v);
    return true;
  };
}

Apply boolean(Field<bool> field) {
  return [field](Config& c, std::string_view v) { return take(field(c), selkies::readBool(v)); };
}

Apply integer(Field<int> field, int64_t min, int64_t max) {
  return [field, min, max](Config& c, std::string_view v) {
    const auto n = selkies::pythonInt(v);
    if (!n || *n < min || *n > max) return false;
    field(c) = static_cast<int>(*n);
    return true;
  };
}

Apply securitySwitch(Field<bool> field) {
  return [field](Config& c, std::string_view v) -> Verdict {
    const std::string s = toLower(trim(v));
    if (s == "1" || s == "yes" || s == "on" || s == "y" || s == "t" || s == "enabled") {
      return Verdict::refuse("\"" + std::string(v) +
                             "\" would read as false on Selkies and turn authentication off; say "
                             "true or false");
    }
    return take(field(c), selkies::readBool(v));
  };
}

Apply socketDir(Field<std::string> field) {
  return [field](Config& c, std::string_view v) {
    if (v.size() > 90) return false;
    field(c) = std::string(v);
    return true;
  };
}

Apply socketPath(Field<std::string> field) {
  return [field](Config& c, std::string_view v) {
    if (v.size() > 107) return false;
    field(c) = std::string(v);
    return true;
  };
}

Apply oneOf(Field<std::string> field, std::vector<std::string> allowed) {
  return [field, allowed = std::move(allowed)](Config& c, std::string_view v) {
    const std::string s = toLower(trim(v));
    for (const auto& a : allowed) {
      if (s == a) {
        field(c) = s;
        return true;
      }
    }
    return false;
  };
}

Apply clearsHostWhenEmpty(Field<int> port, Field<std::string> host, const std::string& what) {
  return [port, host, what](Config& c, std::string_view v) {
    Verdict verdict = take(port(c), selkies::readPort(v, true, "no " + what + " server"));
    if (verdict && port(c) == 0) host(c).clear();
    return verdict;
  };
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Option opt(std::string flag, std::string env, std::string def, std::string help,
           std::string accepted, Apply apply) {
  Option o;
  o.flag = std::move(flag);
  o.env = std::move(env);
  o.default_text = std::move(def);
  o.help = std::move(help);
  o.accepted = std::move(accepted);
  o.apply = std::move(apply);
  return o;
}

Option secret(Option o) {
  o.secrecy = Secrecy::kSecret;
  return o;
}

Option notYetSupported(Option o) {
  o.supported = false;
  return o;
}

}  // namespace rows

namespace {

std::vector<Option> build() {
  // SELKIES_ENCODER and DESKSTREAM_EXTRA_ENCODERS accept the encoder table's names (header-only
  // data of media/, read without linking it).
  std::vector<std::string> encoders;
  for (const auto& e : media::kEncoders) encoders.emplace_back(e.name);
  std::vector<Option> o;
  rows::appendServerOptions(o);
  rows::appendMediaOptions(o, encoders);
  rows::appendDeskstreamOptions(o, encoders);
  return o;
}

}  // namespace

Option extraOption(std::string flag, std::string env, std::string default_text, std::string help,
                   Secrecy secrecy) {
  Option o = rows::opt(std::move(flag), env, std::move(default_text), std::move(help),
                       rows::kAnyText, [env](Config& c, std::string_view v) {
                         c.extra[env] = std::string(v);
                         return true;
                       });
  o.secrecy = secrecy;
  o.extra = true;
  return o;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = build();
  return table;
}

}  // namespace ds::config
