// Small file reading helper for key material (private to ds_auth).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ds::auth::detail {

// Reads a whole regular file of at most `max_size` bytes. Errors name `what` and the path.
Result<std::string> readSmallFile(const std::string& path, std::string_view what,
                                  size_t max_size = 1024 * 1024);

// An HMAC secret: the file content without trailing whitespace, at least 32 bytes.
Result<std::string> readHmacSecret(const std::string& path);

}  // namespace ds::auth::detail
