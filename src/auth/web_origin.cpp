#include "auth/web_origin.hpp"

#include <cctype>

#include "core/strings.hpp"

namespace ds::auth {
namespace {

int defaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

struct HostPort {
  std::string host;
  std::optional<int> port;
};

// "host", "host:port", "[v6]", "[v6]:port"; lower-cased host. nullopt for junk.
std::optional<HostPort> parseHostPort(std::string_view s) {
  if (s.empty()) return std::nullopt;
  HostPort out;
  std::string_view rest;
  if (s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = toLower(s.substr(0, close + 1));
    rest = s.substr(close + 1);
  } else {
    const auto colon = s.find(':');
    out.host = toLower(s.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : s.substr(colon);
  }
  if (out.host.empty() || out.host == "[]") return std::nullopt;
  for (char c : out.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == '_' || c == '[' || c == ']' || c == ':';
    if (!ok) return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    const auto n = parseInt(rest.substr(1));
    if (!n || *n < 1 || *n > 65535 || rest.size() > 6) return std::nullopt;
    out.port = static_cast<int>(*n);
  }
  return out;
}

bool plainPathChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("/-._~%!$&'()*+=:@").find(c) != std::string_view::npos;
}

// A usable cookie path: starts with one '/', plain characters only, ends with '/'.
std::optional<std::string> asCookiePath(std::string_view p) {
  if (p.empty() || p.front() != '/' || p.size() > 1024) return std::nullopt;
  if (p.size() > 1 && (p[1] == '/' || p[1] == '\\')) return std::nullopt;
  for (char c : p) {
    if (!plainPathChar(c)) return std::nullopt;
  }
  for (const auto seg : split(p, '/')) {
    if (seg == "..") return std::nullopt;
  }
  std::string out(p);
  if (out.back() != '/') out += '/';
  return out;
}

}  // namespace

std::string PublicUrl::origin() const {
  std::string out = scheme + "://" + host;
  if (port != defaultPort(scheme)) out += ":" + std::to_string(port);
  return out;
}

Result<PublicUrl> parsePublicUrl(std::string_view text) {
  text = trim(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("expected http(s)://host[:port]/path");
  PublicUrl u;
  u.scheme = toLower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return fail("the scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("?#@\\ \t") != std::string_view::npos) {
    return fail("no user info, query, fragment, backslash or space allowed");
  }
  const auto slash = rest.find('/');
  const auto hp = parseHostPort(rest.substr(0, slash));
  if (!hp) return fail("the host (and port) are not valid");
  u.host = hp->host;
  u.port = hp->port.value_or(defaultPort(u.scheme));
  const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  const auto clean = asCookiePath(path);
  if (!clean) return fail("the path has characters that cannot scope a cookie");
  u.path = *clean;
  return u;
}

bool originMatches(std::string_view origin, const ExpectedOrigin& expected) {
  origin = trim(origin);
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos) return false;
  const std::string scheme = toLower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return false;
  if (!expected.scheme.empty() && scheme != expected.scheme) return false;
  const auto from = parseHostPort(origin.substr(sep + 3));
  const auto want = parseHostPort(trim(expected.host_header));
  if (!from || !want) return false;
  // The Host header omits the port when it is the default of the scheme the browser used.
  const std::string& scheme_for_host = expected.scheme.empty() ? scheme : expected.scheme;
  return from->host == want->host && from->port.value_or(defaultPort(scheme)) ==
                                         want->port.value_or(defaultPort(scheme_for_host));
}

std::string cookiePath(const std::optional<std::string>& public_path,
                       const std::optional<std::string>& forwarded_prefix,
                       std::string_view request_path) {
  if (public_path) {
    if (auto p = asCookiePath(*public_path)) return *p;
  }
  if (forwarded_prefix) {
    if (auto p = asCookiePath(trim(*forwarded_prefix))) return *p;
  }
  const auto last = request_path.rfind('/');
  if (last != std::string_view::npos) {
    if (auto p = asCookiePath(request_path.substr(0, last + 1))) return *p;
  }
  return "/";
}

std::string ticketRedirect(std::string_view request_path) {
  const auto last = request_path.rfind('/');
  const std::string_view segment =
      last == std::string_view::npos ? request_path : request_path.substr(last + 1);
  for (char c : segment) {
    if (!plainPathChar(c) || c == ':') return "./";
  }
  if (segment == "." || segment == "..") return "./";
  return "./" + std::string(segment);
}

}  // namespace ds::auth
