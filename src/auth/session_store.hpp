// Cookie sessions and single-use token ids, in memory (one pod serves one session, so there is
// no sharing between instances). Pure apart from the random ids; not thread-safe: use it from
// the main context like the rest of the HTTP layer.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.hpp"

namespace ds::auth {

class SessionStore {
 public:
  explicit SessionStore(size_t max_entries = 1024);

  // A new opaque id (256 random bits, base64url, 43 characters) for the cookie value. It stays
  // valid until principal.expires_at. When full, expired entries go first, then the one
  // expiring soonest.
  std::string create(const Principal& principal);
  // The principal for `id` if it exists and has not expired at `now` (expired ids are erased).
  std::optional<Principal> lookup(std::string_view id, std::chrono::system_clock::time_point now);
  void remove(std::string_view id);
  void pruneExpired(std::chrono::system_clock::time_point now);
  size_t size() const { return entries_.size(); }

 private:
  void makeRoom();
  size_t max_entries_;
  std::unordered_map<std::string, Principal> entries_;
};

// Remembers token ids (jti) until their expiry, to make ?token= tickets single-use.
class ReplayCache {
 public:
  explicit ReplayCache(size_t max_entries = 4096);
  // True the first time `token_id` is seen (and records it); false on a replay, for an empty
  // id, and when the cache is full of unexpired ids (fail closed).
  bool firstUse(std::string_view token_id, std::chrono::system_clock::time_point expires_at,
                std::chrono::system_clock::time_point now);
  // True when `token_id` was recorded by firstUse and has not expired at `now`: an exchanged
  // ticket, refused on every other way in (Bearer, WebSocket subprotocol, AUTH).
  bool wasUsed(std::string_view token_id, std::chrono::system_clock::time_point now) const;

 private:
  size_t max_entries_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> seen_;
};

}  // namespace ds::auth
