#include "auth/verifier.hpp"

#include <algorithm>
#include <exception>

#include "auth/claims_policy.hpp"
#include "auth/detail/files.hpp"
#include "auth/token_parser.hpp"
#include "core/log.hpp"

namespace ds::auth {
namespace {

using std::chrono::system_clock;

// Runs a user callback; nothing may escape into the GLib main loop.
template <typename F, typename... Args>
void invokeSafely(const F& f, Args&&... args) {
  if (!f) return;
  try {
    f(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    log::error("auth", std::string("verification callback threw: ") + e.what());
  } catch (...) {
    log::error("auth", "verification callback threw");
  }
}

}  // namespace

Verifier::Verifier(JwtConfig config, VerifierOptions options)
    : config_(std::move(config)), options_(std::move(options)) {
  algorithms_ = config_.effectiveAlgorithms();
  if (!options_.clock) options_.clock = [] { return system_clock::now(); };
}

Verifier::~Verifier() { *alive_ = false; }

Result<std::unique_ptr<Verifier>> Verifier::create(const JwtConfig& config,
                                                   VerifierOptions options) {
  if (auto ok = config.validate(); !ok) return fail(ok.error().message);
  if (!config.enabled()) return fail("JWT access control is not configured (no key source)");
  std::unique_ptr<Verifier> v(new Verifier(config, std::move(options)));
  if (!config.public_key_file.empty()) {
    auto pem = detail::readSmallFile(config.public_key_file, "DESKSTREAM_JWT_PUBLIC_KEY_FILE");
    if (!pem) return fail(pem.error().message);
    auto keys = KeySet::fromPem(*pem);
    if (!keys) return fail("DESKSTREAM_JWT_PUBLIC_KEY_FILE: " + keys.error().message);
    v->keys_ = std::move(*keys);
  } else if (!config.jwks_file.empty()) {
    auto json = detail::readSmallFile(config.jwks_file, "DESKSTREAM_JWT_JWKS_FILE");
    if (!json) return fail(json.error().message);
    auto keys = KeySet::fromJwks(*json);
    if (!keys) return fail("DESKSTREAM_JWT_JWKS_FILE: " + keys.error().message);
    v->keys_ = std::move(*keys);
    v->attempted_ = true;
    v->last_attempt_ = v->now();
  } else if (!config.hmac_secret_file.empty()) {
    auto secret = detail::readHmacSecret(config.hmac_secret_file);
    if (!secret) return fail("DESKSTREAM_JWT_HMAC_SECRET_FILE: " + secret.error().message);
    auto keys = KeySet::fromHmacSecret(*secret);
    if (!keys) return fail("DESKSTREAM_JWT_HMAC_SECRET_FILE: " + keys.error().message);
    v->keys_ = std::move(*keys);
  } else {
    auto fetcher = JwksFetcher::create(config.jwks_url, config.jwks_ca_file);
    if (!fetcher) return fail(fetcher.error().message);
    v->fetcher_ = std::move(*fetcher);
  }
  return v;
}

system_clock::time_point Verifier::now() const { return options_.clock(); }

Result<Principal> Verifier::verify(std::string_view token, system_clock::time_point now) const {
  auto parsed = parseToken(token);
  if (!parsed) return fail(parsed.error().message);
  if (auto ok = checkHeader(*parsed, algorithms_, config_.typ); !ok) {
    return fail(ok.error().message);
  }
  if (auto ok = keys_.verifySignature(token, *parsed); !ok) return fail(ok.error().message);
  return checkClaims(parsed->claims, config_, now);
}

bool Verifier::mayFetch(system_clock::time_point now) const {
  return !fetching_ && (!attempted_ || now - last_attempt_ >= options_.min_refetch_interval);
}

void Verifier::verifyAsync(std::string token, Callback done) {
  const auto t = now();
  const bool dynamic = fetcher_ || !config_.jwks_file.empty();
  if (!dynamic) {
    invokeSafely(done, verify(token, t));
    return;
  }
  auto parsed = parseToken(token);
  if (!parsed) return invokeSafely(done, Result<Principal>(fail(parsed.error().message)));
  if (auto ok = checkHeader(*parsed, algorithms_, config_.typ); !ok) {
    return invokeSafely(done, Result<Principal>(fail(ok.error().message)));
  }
  const bool known = keys_.resolves(parsed->kid);
  if (!fetcher_) {  // JWKS file: re-read it on an unknown kid (a rotated Secret/ConfigMap)
    if (!known && mayFetch(t)) rereadJwksFile();
    return invokeSafely(done, verify(token, t));
  }
  const bool stale = !attempted_ || t >= cache_expires_;
  if (known) {
    if (stale && mayFetch(t)) startFetch();  // stale-while-revalidate
    return invokeSafely(done, verify(token, t));
  }
  if (!fetching_ && !mayFetch(t)) {
    auto result = verify(token, t);
    if (!result) {
      result = fail(result.error().message + " (JWKS re-fetch rate-limited)");
    }
    return invokeSafely(done, std::move(result));
  }
  if (waiting_.size() >= options_.max_waiting) {
    return invokeSafely(done, Result<Principal>(fail("jwt kid: too many tokens waiting for JWKS")));
  }
  waiting_.push_back({std::move(token), std::move(done)});
  if (!fetching_) startFetch();
}

Result<Principal> Verifier::verifyNow(std::string_view token) {
  const auto t = now();
  if (!fetcher_ && config_.jwks_file.empty()) return verify(token, t);
  auto parsed = parseToken(token);
  if (!parsed) return fail(parsed.error().message);
  if (auto ok = checkHeader(*parsed, algorithms_, config_.typ); !ok) {
    return fail(ok.error().message);
  }
  const bool known = keys_.resolves(parsed->kid);
  if (!fetcher_) {
    if (!known && mayFetch(t)) rereadJwksFile();
    return verify(token, t);
  }
  const bool stale = !attempted_ || t >= cache_expires_;
  const bool fetch = (stale || !known) && mayFetch(t);
  if (fetch) startFetch();
  auto result = verify(token, t);
  if (!result && !known) {
    const bool pending = fetch || fetching_;
    return fail(result.error().message +
                (pending ? " (JWKS refresh started, retry)" : " (JWKS re-fetch rate-limited)"));
  }
  return result;
}

void Verifier::refreshKeys(std::function<void(Status)> done) {
  if (!fetcher_) {
    invokeSafely(done, Status{});
    return;
  }
  if (done) refresh_waiters_.push_back(std::move(done));
  if (!fetching_) startFetch();
}

void Verifier::startFetch() {
  fetching_ = true;
  attempted_ = true;
  last_attempt_ = now();
  fetcher_->fetch([this](Result<FetchedJwks> r) { onFetched(std::move(r)); });
}

void Verifier::onFetched(Result<FetchedJwks> result) {
  fetching_ = false;
  Status status;
  if (!result) {
    status = fail(result.error().message);
  } else {
    auto keys = KeySet::fromJwks(result->body);
    if (!keys) {
      status = fail("JWKS from DESKSTREAM_JWT_JWKS_URL: " + keys.error().message);
    } else {
      keys_ = std::move(*keys);
      const auto age = std::clamp(result->max_age.value_or(options_.default_max_age),
                                  options_.min_max_age, options_.max_max_age);
      cache_expires_ = now() + age;
      log::info("auth", "JWKS loaded: " + std::to_string(keys_.size()) + " key(s), cached " +
                            std::to_string(age.count()) + " s");
    }
  }
  if (!status) log::warn("auth", status.error().message + " (keeping the previous keys)");

  // Callbacks may destroy this Verifier: take the queues first, stop when that happens.
  std::weak_ptr<bool> alive = alive_;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  auto refreshers = std::move(refresh_waiters_);
  refresh_waiters_.clear();
  for (auto& w : waiting) {
    if (alive.expired()) return;
    invokeSafely(w.done, verify(w.token, now()));
  }
  for (auto& r : refreshers) {
    if (alive.expired()) return;
    invokeSafely(r, status);
  }
}

void Verifier::rereadJwksFile() {
  attempted_ = true;
  last_attempt_ = now();
  auto json = detail::readSmallFile(config_.jwks_file, "DESKSTREAM_JWT_JWKS_FILE");
  auto keys = json ? KeySet::fromJwks(*json) : Result<KeySet>(fail(json.error().message));
  if (!keys) {
    log::warn("auth", "re-reading DESKSTREAM_JWT_JWKS_FILE: " + keys.error().message);
    return;
  }
  keys_ = std::move(*keys);
  log::info("auth", "JWKS file re-read: " + std::to_string(keys_.size()) + " key(s)");
}

}  // namespace ds::auth
