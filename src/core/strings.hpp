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
std::string base64Encode(std::string_view data);
// Standard or URL-safe alphabet, padding optional; nullopt on invalid input.
std::optional<std::string> base64Decode(std::string_view data);

}  // namespace ds
