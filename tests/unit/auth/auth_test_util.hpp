// Shared helpers for the auth tests: temporary directories, key generation (GnuTLS), JWKs.
#pragma once

#include <chrono>
#include <string>

#include "auth/jwt_config.hpp"

namespace ds::auth::testing {

// A fresh directory under $TMPDIR, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

enum class KeyType { kRsa, kEcP256, kEd25519 };

struct TestKey {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
};

// Generated with GnuTLS (independent of the rhonabwy code under test).
TestKey generateKey(KeyType type);
// The public JWK (JSON object text) of `key`, with "kid" set, converted by rhonabwy.
std::string publicJwk(const TestKey& key, const std::string& kid);
std::string jwks(std::initializer_list<std::string> jwk_objects);

inline constexpr const char* kIssuer = "https://platform.example";
inline constexpr const char* kAudience = "deskstream";
inline constexpr const char* kSession = "s-123";
// An HMAC secret of 48 bytes.
inline constexpr const char* kHmacSecret = "0123456789abcdef0123456789abcdef-hmac-test-key!";

// A fixed "now" for deterministic tests: 2027-01-15T08:00:00Z.
inline std::chrono::system_clock::time_point fixedNow() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
}

// A config accepting kIssuer/kAudience/kSession; the key source is left to the test.
JwtConfig baseConfig();

}  // namespace ds::auth::testing
