// Internal to config/: how the option table's rows (options_*.cpp) are written. A row names its
// field in the grouped Config (at(&Config::http, &HttpConfig::port)) and the reader that turns
// the text into it; secret() and notYetSupported() mark a row explicitly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/options.hpp"
#include "config/selkies_values.hpp"

namespace ds::config::rows {

using Apply = std::function<Verdict(Config&, std::string_view)>;

// One field of the grouped Config.
template <typename T>
using Field = std::function<T&(Config&)>;

template <typename G, typename T>
Field<T> at(G Config::*group, T G::*member) {
  return [group, member](Config& c) -> T& { return (c.*group).*member; };
}

template <typename T>
Field<T> at(T Config::*member) {
  return [member](Config& c) -> T& { return c.*member; };
}

// A reader of config/selkies_values.hpp applied to one field.
template <typename T, typename R>
Verdict take(T& field, Result<selkies::Reading<R>> r) {
  if (!r) return Verdict::refuse(r.error().message);
  field = static_cast<T>(r->value);
  return r->warning.empty() ? Verdict(true) : Verdict::warn(r->warning);
}

template <typename T, typename R>
Verdict take(T& field, selkies::Reading<R> r) {
  field = std::move(r.value);
  return r.warning.empty() ? Verdict(true) : Verdict::warn(r.warning);
}

template <typename T>
Apply reader(Field<T> field, Result<selkies::Reading<T>> (*read)(std::string_view)) {
  return [field, read](Config& c, std::string_view v) { return take(field(c), read(v)); };
}

Apply str(Field<std::string> field);
// Every boolean reads as Selkies reads its own: "true" in any case, else false (warned).
Apply boolean(Field<bool> field);
// Python int() syntax, as Selkies reads its numbers, within [min, max].
Apply integer(Field<int> field, int64_t min, int64_t max);
// A security switch: a word that means "on" elsewhere ("1", "yes", "on") would read as false on
// Selkies and turn authentication off; that is refused (fail closed) instead of warned.
Apply securitySwitch(Field<bool> field);
// A directory for Unix sockets: the socket paths under it (plus "/selkies_js0.sock", 17 bytes)
// must fit sockaddr_un's 108 bytes.
Apply socketDir(Field<std::string> field);
// A Unix socket path (sockaddr_un holds at most 107 bytes); empty: none.
Apply socketPath(Field<std::string> field);
// One of `allowed` (any case; stored lower-case).
Apply oneOf(Field<std::string> field, std::vector<std::string> allowed);
// STUN/TURN port: empty means no such server, as in Selkies (which needs host and port).
Apply clearsHostWhenEmpty(Field<int> port, Field<std::string> host, const std::string& what);

std::string join(const std::vector<std::string>& v);

Option opt(std::string flag, std::string env, std::string def, std::string help,
           std::string accepted, Apply apply);
// The row's value is a secret: masked in the startup log and in error messages.
Option secret(Option o);
// Parsed and validated, but reported "not yet supported" when set.
Option notYetSupported(Option o);

inline constexpr const char* kBool = "true or false";
inline constexpr const char* kAnyText = "any text";
inline constexpr const char* kPort = "an integer 1..65535";
inline constexpr const char* kPortOrEmpty = "an integer 1..65535, or empty for none";
inline constexpr const char* kPercent = "a percentage 0..100 (fractions allowed)";

// The table's rows, in --help order, by part (options_server.cpp, options_media.cpp,
// options_deskstream.cpp).
void appendServerOptions(std::vector<Option>& o);
void appendMediaOptions(std::vector<Option>& o, const std::vector<std::string>& encoders);
void appendDeskstreamOptions(std::vector<Option>& o, const std::vector<std::string>& encoders);

}  // namespace ds::config::rows
