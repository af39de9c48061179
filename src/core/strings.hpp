// Small string helpers shared by the protocol parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ds {

std::vector<std::string_view> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
std::string toLower(std::string_view s);
// Parses a whole decimal integer (optional leading '-'); nullopt on any extra character or
// overflow.
std::optional<int64_t> parseInt(std::string_view s);
std::optional<double> parseDouble(std::string_view s);
// RFC 3986 percent-encoding: everything but letters, digits and -_.~ (user info in ICE URIs).
std::string percentEncode(std::string_view s);
std::string base64Encode(std::string_view data);
// Standard or URL-safe alphabet, padding optional; nullopt on invalid input.
std::optional<std::string> base64Decode(std::string_view data);
// One safe log line from untrusted text (request paths, headers, user names, peer messages):
// backslash, C0/C1 control characters (CR, LF, ESC...), DEL, invalid UTF-8 and the Unicode line
// separators and bidirectional overrides are written as \\, \n, \r, \t, \xHH or \uHHHH;
// every other character, including valid multi-byte UTF-8, is kept. The result never contains a
// byte below 0x20 or 0x7F, so it cannot start a new line or drive a terminal.
std::string escapeForLog(std::string_view s);

}  // namespace ds
