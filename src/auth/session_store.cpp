#include "auth/session_store.hpp"

#include <algorithm>

#include "auth/detail/random.hpp"

namespace ds::auth {

using std::chrono::system_clock;

SessionStore::SessionStore(size_t max_entries) : max_entries_(std::max<size_t>(1, max_entries)) {}

void SessionStore::makeRoom() {
  if (entries_.size() < max_entries_) return;
  auto soonest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.expires_at < b.second.expires_at; });
  entries_.erase(soonest);
}

std::string SessionStore::create(const Principal& principal) {
  pruneExpired(system_clock::now());
  makeRoom();
  std::string id = detail::randomToken(32);
  entries_[id] = principal;
  return id;
}

std::optional<Principal> SessionStore::lookup(std::string_view id, system_clock::time_point now) {
  const auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires_at) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::remove(std::string_view id) { entries_.erase(std::string(id)); }

void SessionStore::pruneExpired(system_clock::time_point now) {
  std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires_at; });
}

ReplayCache::ReplayCache(size_t max_entries) : max_entries_(std::max<size_t>(1, max_entries)) {}

bool ReplayCache::firstUse(std::string_view token_id, system_clock::time_point expires_at,
                           system_clock::time_point now) {
  if (token_id.empty()) return false;
  std::string key(token_id);
  if (const auto it = seen_.find(key); it != seen_.end()) return false;
  if (seen_.size() >= max_entries_) {
    std::erase_if(seen_, [&](const auto& e) { return now >= e.second; });
    if (seen_.size() >= max_entries_) return false;
  }
  seen_.emplace(std::move(key), expires_at);
  return true;
}

bool ReplayCache::wasUsed(std::string_view token_id, system_clock::time_point now) const {
  if (token_id.empty()) return false;
  const auto it = seen_.find(std::string(token_id));
  return it != seen_.end() && now < it->second;
}

}  // namespace ds::auth
