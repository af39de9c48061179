// Pure HTTP decisions: routing of a path, Basic credential checks, static-file path safety and
// MIME types. No sockets; unit-tested directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ds::http {

enum class Route { kHealth, kHealthz, kReadyz, kTurn, kSignalling, kStatic, kMetrics, kSelfTest };

// /health(/), /healthz, /readyz, /turn (also relative: any path ending in /turn), /selftest (the
// self-test's download; also any path ending in /selftest), /ws(/) or any path ending in
// /signalling(/) for WebSocket, everything else static.
Route classify(std::string_view path);

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses "Basic base64(user:pass)"; nullopt for anything else.
std::optional<BasicCredentials> parseBasic(std::string_view authorization);

// Constant-time comparison of both fields.
bool credentialsMatch(const BasicCredentials& given, std::string_view user,
                      std::string_view password);

// Maps a URL path to a file path under root, or nullopt when it escapes the root or is not a
// plain relative path. "/" maps to index.html.
std::optional<std::string> staticFilePath(std::string_view root, std::string_view url_path);

std::string_view mimeType(std::string_view file_path);

}  // namespace ds::http
