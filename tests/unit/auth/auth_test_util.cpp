#include "unit/auth/auth_test_util.hpp"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <rhonabwy.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ds::auth::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/ds-auth-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file);
  return file;
}

namespace {

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string(what) + ": " + gnutls_strerror(rc));
}

std::string take(gnutls_datum_t& d) {
  std::string out(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  return out;
}

}  // namespace

TestKey generateKey(KeyType type) {
  gnutls_x509_privkey_t x509 = nullptr;
  check(gnutls_x509_privkey_init(&x509), "privkey_init");
  switch (type) {
    case KeyType::kRsa:
      check(gnutls_x509_privkey_generate(x509, GNUTLS_PK_RSA, 2048, 0), "generate RSA");
      break;
    case KeyType::kEcP256:
      check(gnutls_x509_privkey_generate(x509, GNUTLS_PK_ECDSA,
                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
            "generate EC");
      break;
    case KeyType::kEd25519:
      check(gnutls_x509_privkey_generate(x509, GNUTLS_PK_EDDSA_ED25519,
                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0),
            "generate Ed25519");
      break;
  }
  TestKey out;
  gnutls_datum_t d{};
  check(
      gnutls_x509_privkey_export2_pkcs8(x509, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, &d),
      "export pkcs8");
  out.private_pem = take(d);
  gnutls_privkey_t priv = nullptr;
  gnutls_pubkey_t pub = nullptr;
  check(gnutls_privkey_init(&priv), "privkey init");
  check(gnutls_privkey_import_x509(priv, x509, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE), "import");
  check(gnutls_pubkey_init(&pub), "pubkey init");
  check(gnutls_pubkey_import_privkey(pub, priv, 0, 0), "pubkey from privkey");
  check(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &d), "export pubkey");
  out.public_pem = take(d);
  gnutls_pubkey_deinit(pub);
  gnutls_privkey_deinit(priv);
  return out;
}

std::string publicJwk(const TestKey& key, const std::string& kid) {
  jwk_t* jwk = nullptr;
  r_jwk_init(&jwk);
  if (r_jwk_import_from_pem_der(jwk, R_X509_TYPE_PUBKEY, R_FORMAT_PEM,
                                reinterpret_cast<const unsigned char*>(key.public_pem.data()),
                                key.public_pem.size()) != RHN_OK) {
    r_jwk_free(jwk);
    throw std::runtime_error("rhonabwy cannot import the public key");
  }
  r_jwk_set_property_str(jwk, "kid", kid.c_str());
  char* json = r_jwk_export_to_json_str(jwk, 0);
  std::string out(json);
  r_free(json);
  r_jwk_free(jwk);
  return out;
}

std::string jwks(std::initializer_list<std::string> jwk_objects) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const auto& j : jwk_objects) {
    if (!first) out += ",";
    out += j;
    first = false;
  }
  return out + "]}";
}

JwtConfig baseConfig() {
  JwtConfig c;
  c.issuers = {kIssuer};
  c.audience = kAudience;
  c.session_id = kSession;
  return c;
}

}  // namespace ds::auth::testing
