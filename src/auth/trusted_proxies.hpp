// DESKSTREAM_TRUSTED_PROXIES: the gateway addresses whose X-Forwarded-* headers and TURN user
// header are believed. Pure (inet_pton only); unit-tested in tests/unit/auth.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ds::auth {

class TrustedProxies {
 public:
  // Comma-separated IPv4/IPv6 addresses or CIDR blocks ("10.0.0.0/8, ::1"); empty = none.
  static Result<TrustedProxies> parse(std::string_view list);
  // `address` is a peer address as libsoup reports it (an IPv4-mapped IPv6 address counts as
  // its IPv4 address).
  bool contains(std::string_view address) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    std::array<uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    int prefix = 128;
  };
  std::vector<Block> blocks_;
};

// The address a request came from: the peer, or, when the peer is a trusted proxy, the last
// entry of its X-Forwarded-For (the address that proxy saw). Used to key per-client limits.
std::string clientAddress(std::string_view peer, const std::optional<std::string>& forwarded_for,
                          const TrustedProxies& trusted);

// X-Forwarded-Proto says https, and the peer is trusted to say so.
bool forwardedHttps(std::string_view peer, const std::optional<std::string>& forwarded_proto,
                    const TrustedProxies& trusted);

}  // namespace ds::auth
