// Minting tokens, for operators (`deskstream token`) and tests. Signing uses librhonabwy.
#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt_config.hpp"
#include "auth/principal.hpp"
#include "core/result.hpp"

namespace ds::auth {

struct MintOptions {
  std::string key_file;   // PEM private key (PKCS#8, PKCS#1 or SEC1) or HMAC secret file
  std::string algorithm;  // empty: from the key (RSA RS256, EC ES256/384/512, Ed25519 EdDSA,
                          // secret HS256)
  std::string subject;
  std::string session_id;
  std::string session_claim = "sid";
  Role role = Role::kView;  // scope "desktop:view" or "desktop:control"
  std::chrono::seconds ttl{300};
  std::string issuer;
  std::string audience;
  std::string key_id;  // header kid; empty: none
  std::string typ = "JWT";
  std::string token_id;                                      // jti; empty: 128 random bits
  std::optional<std::chrono::system_clock::time_point> now;  // default system_clock::now()
};

// Reads the key file and signs. Also sets iat and nbf = now.
Result<std::string> mint(const MintOptions& options);
// The same with the key material in memory (`key_file` is ignored).
Result<std::string> mintWithKey(std::string_view key_material, const MintOptions& options);

// Low level, for tests of the verifier: signs `payload` as-is with `alg`. Key material is an
// HMAC secret when alg is HS* (any length: tests use this to forge), else a PEM private key.
// `extra_header` string members are added to the header (kid, typ, jku, ...).
Result<std::string> signToken(std::string_view key_material, const std::string& alg,
                              const nlohmann::json& payload,
                              const std::map<std::string, std::string>& extra_header = {});

// `deskstream token --key FILE --sub S --session ID --role view|control --ttl 300
//   [--iss ..] [--aud ..] [--alg ..] [--kid ..] [--typ ..] [--session-claim ..]`
// argv[0] is the command name ("token"); options follow. --iss, --aud and --session default to
// DESKSTREAM_JWT_ISSUER (first entry), DESKSTREAM_JWT_AUDIENCE and DESKSTREAM_JWT_SESSION.
// Prints the token and a newline on `out`; returns the process exit code.
int runTokenCommand(int argc, char** argv, std::ostream& out, std::ostream& err,
                    const Getenv& getenv);
// The same on std::cout / std::cerr with the process environment.
int runTokenCommand(int argc, char** argv);

}  // namespace ds::auth
