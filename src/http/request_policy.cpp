#include "http/request_policy.hpp"

#include "core/strings.hpp"

namespace ds::http {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Route classify(std::string_view path) {
  if (path == "/health" || path == "/health/") return Route::kHealth;
  if (path == "/healthz") return Route::kHealthz;
  if (path == "/readyz") return Route::kReadyz;
  if (path == "/metrics") return Route::kMetrics;
  if (path == "/turn" || path == "/turn/" || endsWith(path, "/turn")) return Route::kTurn;
  if (endsWith(path, "/selftest")) return Route::kSelfTest;
  if (path == "/ws" || path == "/ws/" || endsWith(path, "/signalling") ||
      endsWith(path, "/signalling/")) {
    return Route::kSignalling;
  }
  return Route::kStatic;
}

std::optional<BasicCredentials> parseBasic(std::string_view authorization) {
  authorization = trim(authorization);
  if (authorization.size() < 6 || toLower(authorization.substr(0, 6)) != "basic ")
    return std::nullopt;
  const auto decoded = base64Decode(trim(authorization.substr(6)));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

namespace {
bool constantTimeEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}
}  // namespace

bool credentialsMatch(const BasicCredentials& given, std::string_view user,
                      std::string_view password) {
  const bool u = constantTimeEqual(given.user, user);
  const bool p = constantTimeEqual(given.password, password);
  return u && p;
}

std::optional<std::string> staticFilePath(std::string_view root, std::string_view url_path) {
  if (url_path.empty() || url_path.front() != '/') return std::nullopt;
  std::string rel(url_path.substr(1));
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  for (const auto seg : split(rel, '/')) {
    if (seg.empty() || seg == "." || seg == ".." || seg.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
  }
  for (char c : rel) {
    if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  return std::string(root) + "/" + rel;
}

std::string_view mimeType(std::string_view file_path) {
  const auto dot = file_path.rfind('.');
  const std::string ext = dot == std::string_view::npos ? "" : toLower(file_path.substr(dot + 1));
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

}  // namespace ds::http
