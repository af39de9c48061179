#include "auth/transport.hpp"

#include "core/strings.hpp"

namespace ds::auth {

std::optional<std::string> tokenFromAuthorization(std::string_view header) {
  header = trim(header);
  if (header.size() < 8 || toLower(header.substr(0, 7)) != "bearer ") return std::nullopt;
  const std::string_view token = trim(header.substr(7));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::optional<std::string> tokenFromWebSocketProtocols(std::string_view header) {
  for (std::string_view item : split(header, ',')) {
    item = trim(item);
    if (item.substr(0, kBearerProtocolPrefix.size()) == kBearerProtocolPrefix &&
        item.size() > kBearerProtocolPrefix.size()) {
      return std::string(item.substr(kBearerProtocolPrefix.size()));
    }
  }
  return std::nullopt;
}

std::optional<std::string> cookieValue(std::string_view header, std::string_view name) {
  for (std::string_view pair : split(header, ';')) {
    pair = trim(pair);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) == name) return std::string(trim(pair.substr(eq + 1)));
  }
  return std::nullopt;
}

std::string sessionCookie(std::string_view id, long long max_age_s, std::string_view path,
                          bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(id) + "; Path=" + std::string(path) +
         "; Max-Age=" + std::to_string(max_age_s < 0 ? 0 : max_age_s) + "; HttpOnly" +
         (secure ? "; Secure" : "") + "; SameSite=Strict";
}

}  // namespace ds::auth
