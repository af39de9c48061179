// Compact JWS parsing without any cryptography: split, strict base64url, JSON decode.
// Pure and total (never throws); this is the fuzzing entry point (tests/fuzz/token_fuzzer.cpp).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ds::auth {

// Larger inputs are rejected before any decoding (headers and cookies stay well below it).
inline constexpr size_t kMaxTokenSize = 8 * 1024;

struct ParsedToken {
  nlohmann::json header;  // a JSON object
  nlohmann::json claims;  // a JSON object
  std::string alg;        // header `alg`, as sent
  std::optional<std::string> kid;
};

// Errors read "jwt format: <what>" and never contain the token.
Result<ParsedToken> parseToken(std::string_view token);

// RFC 4648 §5 without padding; nullopt on any other character or impossible length.
std::optional<std::string> decodeBase64Url(std::string_view in);
std::string encodeBase64Url(std::string_view in);

}  // namespace ds::auth
