// Token verification: parse -> header policy -> key selection + signature -> claims policy.
//
// Two entry points:
//  - verify(token, now): synchronous, against the keys loaded right now.
//  - verifyAsync(token, done): the one the HTTP/WebSocket layer should use. With a JWKS URL it
//    re-fetches the key set when the token's kid is unknown (at most once per
//    min_refetch_interval) and when the cache is stale (in the background, while the cached
//    keys keep verifying), then calls `done`. Without a JWKS URL, and whenever no fetch is
//    needed, `done` runs synchronously, before verifyAsync returns.
// All of it runs on one thread: the one owning the GLib main context the Verifier was created
// on (the default context in deskstream). Callbacks run on that context; exceptions thrown by
// them are caught and logged. Destroying the Verifier drops pending callbacks without calling
// them.
//
// Rejections are Errors whose message starts with "jwt <check>:" (see claims_policy.hpp) and
// never contain the token. The caller logs one line per rejection and answers 401.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/jwks_fetcher.hpp"
#include "auth/jwt_config.hpp"
#include "auth/key_set.hpp"
#include "auth/principal.hpp"
#include "core/result.hpp"

namespace ds::auth {

struct VerifierOptions {
  // Re-fetch (or, for a JWKS file, re-read) on an unknown kid at most this often.
  std::chrono::seconds min_refetch_interval{60};
  // JWKS cache lifetime when the response has no Cache-Control max-age...
  std::chrono::seconds default_max_age{300};
  // ...and the bounds applied to max-age (no-store/no-cache count as 0, i.e. the minimum).
  std::chrono::seconds min_max_age{60};
  std::chrono::seconds max_max_age{24 * 3600};
  // Clock for verifyAsync and the JWKS cache; defaults to std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Bound on verifications waiting for a JWKS fetch.
  size_t max_waiting = 256;
};

class Verifier {
 public:
  using Callback = std::function<void(Result<Principal>)>;

  // Validates `config` (the error names the DESKSTREAM_* variable) and loads file keys. A JWKS
  // URL is not fetched here: call refreshKeys() at start-up, or the first verifyAsync fetches.
  static Result<std::unique_ptr<Verifier>> create(const JwtConfig& config,
                                                  VerifierOptions options = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  Result<Principal> verify(std::string_view token, std::chrono::system_clock::time_point now) const;
  void verifyAsync(std::string token, Callback done);
  // For synchronous call sites (an authorize hook that must answer now): verifies with the keys
  // loaded right now, at the options' clock, and when the kid is unknown or the cache stale,
  // starts the same rate-limited refresh as verifyAsync without waiting for it; a retry by the
  // client (Selkies' reconnects after 3 s) then succeeds. An unknown-kid error that started a
  // refresh ends with "(JWKS refresh started, retry)".
  Result<Principal> verifyNow(std::string_view token);

  // JWKS URL: starts a fetch now (unless one is in flight) and calls `done` when it ends.
  // Other key sources: calls `done` with success immediately.
  void refreshKeys(std::function<void(Status)> done = {});

  bool hasKeys() const { return !keys_.empty(); }
  const JwtConfig& config() const { return config_; }
  std::vector<std::string> keyIds() const { return keys_.kids(); }

 private:
  struct Waiting {
    std::string token;
    Callback done;
  };

  Verifier(JwtConfig config, VerifierOptions options);
  std::chrono::system_clock::time_point now() const;
  bool mayFetch(std::chrono::system_clock::time_point now) const;
  void startFetch();
  void onFetched(Result<FetchedJwks> result);
  void rereadJwksFile();

  JwtConfig config_;
  VerifierOptions options_;
  std::vector<std::string> algorithms_;
  KeySet keys_;
  std::unique_ptr<JwksFetcher> fetcher_;
  bool fetching_ = false;
  bool attempted_ = false;
  std::chrono::system_clock::time_point last_attempt_;
  std::chrono::system_clock::time_point cache_expires_;
  std::deque<Waiting> waiting_;
  std::vector<std::function<void(Status)>> refresh_waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ds::auth
