// `deskstream token ...`: mints a token for operators and scripts.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "auth/mint.hpp"
#include "core/strings.hpp"

namespace ds::auth {

int runTokenCommand(int argc, char** argv, std::ostream& out, std::ostream& err,
                    const Getenv& getenv) {
  try {
    CLI::App app{"Mint a deskstream access token (JWT) and print it", "deskstream token"};
    MintOptions o;
    std::string role = "view";
    int64_t ttl = 300;
    if (auto iss = getenv("DESKSTREAM_JWT_ISSUER")) {
      const auto first = split(*iss, ',').front();
      o.issuer = std::string(trim(first));
    }
    if (auto aud = getenv("DESKSTREAM_JWT_AUDIENCE")) o.audience = *aud;
    if (auto sid = getenv("DESKSTREAM_JWT_SESSION")) o.session_id = *sid;
    if (auto claim = getenv("DESKSTREAM_JWT_SESSION_CLAIM")) o.session_claim = *claim;
    app.add_option("--key", o.key_file, "PEM private key or HMAC secret file")->required();
    app.add_option("--sub", o.subject, "Subject (user id)")->required();
    app.add_option("--session", o.session_id, "Session id (default $DESKSTREAM_JWT_SESSION)");
    app.add_option("--role", role, "view or control")
        ->check(CLI::IsMember({"view", "control"}))
        ->capture_default_str();
    app.add_option("--ttl", ttl, "Lifetime in seconds")
        ->check(CLI::Range(int64_t{1}, int64_t{7 * 24 * 3600}))
        ->capture_default_str();
    app.add_option("--iss", o.issuer, "Issuer (default: first of $DESKSTREAM_JWT_ISSUER)");
    app.add_option("--aud", o.audience, "Audience (default $DESKSTREAM_JWT_AUDIENCE)");
    app.add_option("--alg", o.algorithm, "Algorithm (default: from the key)");
    app.add_option("--kid", o.key_id, "Key id header");
    app.add_option("--typ", o.typ, "Header typ")->capture_default_str();
    app.add_option("--session-claim", o.session_claim, "Claim carrying the session id")
        ->capture_default_str();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e, out, err);
    }
    o.role = role == "control" ? Role::kControl : Role::kView;
    o.ttl = std::chrono::seconds(ttl);
    auto token = mint(o);
    if (!token) {
      err << "deskstream token: " << token.error().message << "\n";
      return 1;
    }
    out << *token << "\n";
    return 0;
  } catch (const std::exception& e) {
    err << "deskstream token: " << e.what() << "\n";
    return 1;
  }
}

int runTokenCommand(int argc, char** argv) {
  return runTokenCommand(argc, argv, std::cout, std::cerr,
                         [](std::string_view name) -> std::optional<std::string> {
                           const char* v = std::getenv(std::string(name).c_str());
                           if (v == nullptr) return std::nullopt;
                           return std::string(v);
                         });
}

}  // namespace ds::auth
