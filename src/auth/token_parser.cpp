#include "auth/token_parser.hpp"

#include "core/strings.hpp"

namespace ds::auth {
namespace {

bool isBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<nlohmann::json> decodeObject(std::string_view part, const char* what) {
  auto bytes = decodeBase64Url(part);
  if (!bytes) return fail(std::string("jwt format: ") + what + " is not base64url");
  auto json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return fail(std::string("jwt format: ") + what + " is not JSON");
  if (!json.is_object()) return fail(std::string("jwt format: ") + what + " is not a JSON object");
  return json;
}

}  // namespace

std::optional<std::string> decodeBase64Url(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  for (char c : in) {
    if (!isBase64UrlChar(c)) return std::nullopt;
  }
  return base64Decode(in);
}

std::string encodeBase64Url(std::string_view in) {
  std::string out = base64Encode(in);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<ParsedToken> parseToken(std::string_view token) {
  if (token.empty()) return fail("jwt format: empty token");
  if (token.size() > kMaxTokenSize) return fail("jwt format: token longer than 8 KiB");
  const auto parts = split(token, '.');
  if (parts.size() == 5) return fail("jwt format: JWE (encrypted) tokens are not accepted");
  if (parts.size() != 3) return fail("jwt format: not three dot-separated parts");
  if (parts[0].empty() || parts[1].empty()) return fail("jwt format: empty header or payload");
  if (parts[2].empty()) return fail("jwt format: unsigned token (empty signature)");
  if (!decodeBase64Url(parts[2])) return fail("jwt format: signature is not base64url");

  auto header = decodeObject(parts[0], "header");
  if (!header) return fail(header.error().message);
  auto claims = decodeObject(parts[1], "payload");
  if (!claims) return fail(claims.error().message);

  ParsedToken out;
  out.header = std::move(*header);
  out.claims = std::move(*claims);
  const auto alg = out.header.find("alg");
  if (alg == out.header.end() || !alg->is_string()) {
    return fail("jwt format: header has no string 'alg'");
  }
  out.alg = alg->get<std::string>();
  const auto kid = out.header.find("kid");
  if (kid != out.header.end()) {
    if (!kid->is_string()) return fail("jwt format: header 'kid' is not a string");
    out.kid = kid->get<std::string>();
  }
  return out;
}

}  // namespace ds::auth
