// Fetches a JWK Set over HTTPS with libsoup-3.0, asynchronously on the thread-default GLib
// main context of the thread that created the fetcher. TLS verification is always on; the
// trust store is the system one or, when given, a PEM CA file. Redirects are not followed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace ds::auth {

struct FetchedJwks {
  std::string body;
  // From Cache-Control: max-age=N (0 for no-store / no-cache); nullopt when absent.
  std::optional<std::chrono::seconds> max_age;
};

// Parses a Cache-Control header value into a max-age, as FetchedJwks::max_age. Pure.
std::optional<std::chrono::seconds> parseCacheControlMaxAge(std::string_view value);

class JwksFetcher {
 public:
  using Callback = std::function<void(Result<FetchedJwks>)>;

  // Fails on a URL that is not https:// or an unreadable CA file.
  static Result<std::unique_ptr<JwksFetcher>> create(
      const std::string& url, const std::string& ca_file,
      std::chrono::seconds timeout = std::chrono::seconds(10));
  ~JwksFetcher();  // cancels a fetch in flight; its callback is then never called
  JwksFetcher(const JwksFetcher&) = delete;
  JwksFetcher& operator=(const JwksFetcher&) = delete;

  // Starts one GET. `done` runs later on the main context, never inside fetch(). Exceptions
  // thrown by `done` are caught and logged.
  void fetch(Callback done);

  struct Impl;

 private:
  explicit JwksFetcher(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ds::auth
