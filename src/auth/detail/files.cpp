#include "auth/detail/files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ds::auth::detail {

Result<std::string> readSmallFile(const std::string& path, std::string_view what, size_t max_size) {
  const std::string label = std::string(what) + " '" + path + "'";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(label + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(label + ": not a regular file");
  if (static_cast<size_t>(st.st_size) > max_size) return fail(label + ": too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(label + ": cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return fail(label + ": read error");
  return buf.str();
}

Result<std::string> readHmacSecret(const std::string& path) {
  auto data = readSmallFile(path, "HMAC secret file", 64 * 1024);
  if (!data) return data;
  std::string secret = std::move(*data);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ' || secret.back() == '\t')) {
    secret.pop_back();
  }
  if (secret.size() < 32) {
    return fail("HMAC secret file '" + path + "': shorter than 32 bytes (256 bits)");
  }
  return secret;
}

}  // namespace ds::auth::detail
