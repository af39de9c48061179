// libFuzzer target: the token entry of src/auth, exactly as the HTTP layer calls it
// (Verifier::verify), plus the pure policy functions on whatever parses.
// Seeds in tests/fuzz/corpus/auth_token are real tokens for the keys below (HS256 with
// kSecret, ES256 with the "fuzz-ec" JWK), so mutations reach the signature and claims checks.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "auth/claims_policy.hpp"
#include "auth/token_parser.hpp"
#include "auth/verifier.hpp"
#include "core/log.hpp"

namespace {

using namespace ds::auth;

constexpr const char* kSecret = "deskstream-fuzz-hmac-secret-0123456789abcdef";
constexpr const char* kJwks =
    R"({"keys":[{"kty":"EC","x":"VVFxuAzywnkMLaHGD4Rc2UuZsp5rn_PQ0KUB4LKtCCM",)"
    R"("y":"j-Rm9cZRsD732X1O_O4i_FDYjL_-siUD462hxAsGOBY","crv":"P-256","kid":"fuzz-ec"}]})";

std::string writeTemp(const std::string& content) {
  char path[] = "/tmp/ds-auth-fuzz-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  if (write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    std::abort();
  }
  close(fd);
  return path;
}

struct Fixture {
  Fixture() {
    ds::log::setLevel(ds::log::Level::kError);
    config.issuers = {"https://platform.example"};
    config.audience = "deskstream";
    config.session_id = "s-123";
    JwtConfig hmac = config;
    hmac.hmac_secret_file = writeTemp(kSecret);
    JwtConfig jwks = config;
    jwks.jwks_file = writeTemp(kJwks);
    hmac_verifier = Verifier::create(hmac).value();
    jwks_verifier = Verifier::create(jwks).value();
    unlink(hmac.hmac_secret_file.c_str());
    unlink(jwks.jwks_file.c_str());
  }
  JwtConfig config;
  std::unique_ptr<Verifier> hmac_verifier;
  std::unique_ptr<Verifier> jwks_verifier;
  const std::chrono::system_clock::time_point now{std::chrono::seconds(1800000000)};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)fixture->hmac_verifier->verify(token, fixture->now);
  (void)fixture->jwks_verifier->verify(token, fixture->now);
  auto parsed = parseToken(token);
  if (parsed) {
    (void)checkHeader(*parsed, supportedAlgorithms(), "desk-connect+jwt");
    (void)checkClaims(parsed->claims, fixture->config, fixture->now);
  }
  return 0;
}
