#include "auth/trusted_proxies.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "core/strings.hpp"

namespace ds::auth {
namespace {

// IPv4 becomes ::ffff:a.b.c.d so that one comparison covers both families.
std::optional<std::array<uint8_t, 16>> toBytes(std::string_view text) {
  std::string s(trim(text));
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool isMappedV4(const std::array<uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  for (auto item : split(list, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const auto slash = item.find('/');
    const auto bytes = toBytes(item.substr(0, slash));
    if (!bytes) return fail("\"" + std::string(item) + "\" is not an IP address or CIDR block");
    Block b;
    b.bytes = *bytes;
    const bool v4 = isMappedV4(*bytes) && item.find(':') == std::string_view::npos;
    if (slash != std::string_view::npos) {
      const auto n = parseInt(item.substr(slash + 1));
      const int max = v4 ? 32 : 128;
      if (!n || *n < 0 || *n > max) {
        return fail("\"" + std::string(item) + "\" has a prefix length outside 0.." +
                    std::to_string(max));
      }
      b.prefix = static_cast<int>(*n) + (v4 ? 96 : 0);
    }
    out.blocks_.push_back(b);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view address) const {
  const auto a = toBytes(address);
  if (!a) return false;
  for (const auto& b : blocks_) {
    int bits = b.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      if (((*a)[i] & mask) != (b.bytes[i] & mask)) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

std::string clientAddress(std::string_view peer, const std::optional<std::string>& forwarded_for,
                          const TrustedProxies& trusted) {
  if (forwarded_for && trusted.contains(peer)) {
    const auto parts = split(*forwarded_for, ',');
    if (!parts.empty()) {
      const auto last = trim(parts.back());
      if (toBytes(last)) return std::string(last);
    }
  }
  return std::string(peer);
}

bool forwardedHttps(std::string_view peer, const std::optional<std::string>& forwarded_proto,
                    const TrustedProxies& trusted) {
  if (!forwarded_proto || !trusted.contains(peer)) return false;
  // A chain of proxies appends: the first value is what the browser used.
  const auto parts = split(*forwarded_proto, ',');
  return !parts.empty() && toLower(trim(parts.front())) == "https";
}

}  // namespace ds::auth
