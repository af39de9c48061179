// Pure extraction of a token from the ways a browser can send one (docs/access.md §5).
// Nothing here verifies anything; pass the result to Verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ds::auth {

// The WebSocket subprotocol deskstream answers with when a token came in the protocol list.
inline constexpr std::string_view kWebSocketProtocol = "desk.v1";
inline constexpr std::string_view kBearerProtocolPrefix = "base64url.bearer.";
inline constexpr std::string_view kSessionCookie = "ds_session";

// "Bearer <token>" (scheme case-insensitive); nullopt otherwise.
std::optional<std::string> tokenFromAuthorization(std::string_view header);

// Sec-WebSocket-Protocol "desk.v1, base64url.bearer.<token>": the token, or nullopt.
std::optional<std::string> tokenFromWebSocketProtocols(std::string_view header);

// The value of cookie `name` in a Cookie header, or nullopt.
std::optional<std::string> cookieValue(std::string_view header, std::string_view name);

// Set-Cookie value for the session cookie, valid `max_age_s` seconds under `path`: always
// HttpOnly and SameSite=Strict, Secure when the browser came over HTTPS.
std::string sessionCookie(std::string_view id, long long max_age_s, std::string_view path = "/",
                          bool secure = true);

}  // namespace ds::auth
