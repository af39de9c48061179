// Pure rules for the browser-facing side of access control (docs/access.md §5): the public URL
// of a session, which WebSocket Origins are ours, the session cookie's scope, and where the
// ?token= ticket redirect may go. No I/O; unit-tested in tests/unit/auth/web_origin_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ds::auth {

// DESKSTREAM_PUBLIC_URL, e.g. "https://desk.example/s/s-123/": how browsers reach this session
// through the gateway.
struct PublicUrl {
  std::string scheme;          // "http" or "https"
  std::string host;            // lower case; IPv6 keeps its brackets
  int port = 0;                // explicit or the scheme's default
  std::string path;            // always starts and ends with '/'
  std::string origin() const;  // "https://desk.example" (default port omitted)
};

// http(s) only, a host, no user info, query or fragment; the path gets a trailing '/'.
Result<PublicUrl> parsePublicUrl(std::string_view text);

// What a WebSocket's Origin must be. scheme empty: http or https (no public URL and nothing
// says which one the browser used), compared together with host and port.
struct ExpectedOrigin {
  std::string scheme;
  std::string host_header;  // "host[:port]" as in a Host header
};

// True when `origin` (an Origin header value) names the expected scheme, host and port.
// "null", junk and other hosts or ports are false.
bool originMatches(std::string_view origin, const ExpectedOrigin& expected);

// The session cookie's Path: the public URL's path when set, else a trusted proxy's
// X-Forwarded-Prefix, else the directory of the request path ("/s/abc/index.html" ->
// "/s/abc/"). Only plain path characters pass; anything else falls through to the next source,
// and "/" is the last resort.
std::string cookiePath(const std::optional<std::string>& public_path,
                       const std::optional<std::string>& forwarded_prefix,
                       std::string_view request_path);

// Location of the redirect after a ticket exchange: a relative reference "./<last segment>" (or
// "./") that the browser resolves against the page it asked for, so it stays on the same
// origin and under the gateway's prefix whatever the request path holds ("//host", "/\host",
// "http://...").
std::string ticketRedirect(std::string_view request_path);

}  // namespace ds::auth
