// Key sources that change at run time: a JWKS file re-read on an unknown kid, and a JWKS URL
// served over HTTPS by a local SoupServer with a certificate generated for the test.
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>

#include "auth/mint.hpp"
#include "auth/verifier.hpp"
#include "unit/auth/auth_test_util.hpp"
#include "unit/soup_loopback.hpp"

namespace ds::auth {
namespace {

using namespace ds::auth::testing;
using nlohmann::json;
using std::chrono::seconds;

constexpr int64_t kNow = 1800000000;

// Iterates the default main context until `done` or a 10 s timeout.
bool runUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

// A JWKS endpoint on https://localhost:<port>/jwks with a self-signed certificate.
class JwksServer {
 public:
  explicit JwksServer(const TempDir& dir) {
    cert_file_ = dir.path() + "/tls.crt";
    const std::string key_file = dir.path() + "/tls.key";
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key_file + "' -out '" + cert_file_ + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
    GError* error = nullptr;
    cert_.reset(g_tls_certificate_new_from_files(cert_file_.c_str(), key_file.c_str(), &error));
    if (cert_ == nullptr) {
      const std::string why = error->message;
      g_error_free(error);
      throw std::runtime_error(why);
    }
    // Served like deskstream's own servers (soup_loopback.hpp): libsoup 3.2's listener would
    // leak every accepted socket.
    server_.reset(soup_server_new(nullptr, nullptr));
    soup_server_add_handler(server_.get(), "/jwks", &JwksServer::handle, this, nullptr);
    loopback_ = std::make_unique<ds::testing::SoupLoopback>(server_.get(), cert_.get());
    const int port = loopback_->port();
    url_ = "https://localhost:" + std::to_string(port) + "/jwks";
  }
  ~JwksServer() {
    loopback_.reset();
    soup_server_disconnect(server_.get());
  }

  const std::string& url() const { return url_; }
  const std::string& caFile() const { return cert_file_; }
  int requests() const { return requests_; }
  void publish(std::string body) { body_ = std::move(body); }

 private:
  static void handle(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*, gpointer self) {
    auto* s = static_cast<JwksServer*>(self);
    ++s->requests_;
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                                 "public, max-age=600");
    soup_server_message_set_response(msg, "application/jwk-set+json", SOUP_MEMORY_COPY,
                                     s->body_.data(), s->body_.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  }

  struct Unref {
    void operator()(gpointer object) const { g_object_unref(object); }
  };
  std::unique_ptr<GTlsCertificate, Unref> cert_;
  std::unique_ptr<SoupServer, Unref> server_;  // after cert_: goes first
  std::unique_ptr<ds::testing::SoupLoopback> loopback_;
  std::string url_;
  std::string cert_file_;
  std::string body_;
  int requests_ = 0;
};

class AuthJwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    old_ = new TestKey(generateKey(KeyType::kEcP256));
    new_ = new TestKey(generateKey(KeyType::kEd25519));
  }
  static void TearDownTestSuite() {
    delete old_;
    delete new_;
  }

  VerifierOptions options() {
    VerifierOptions o;
    o.clock = [this] { return now_; };
    return o;
  }
  std::string token(const TestKey& key, const char* alg, const char* kid) {
    const int64_t now_s = std::chrono::duration_cast<seconds>(now_.time_since_epoch()).count();
    json claims = {{"iss", kIssuer}, {"aud", kAudience},        {"sid", kSession},
                   {"sub", "alice"}, {"scope", "desktop:view"}, {"exp", now_s + 3600}};
    auto t = signToken(key.private_pem, alg, claims, {{"kid", kid}});
    EXPECT_TRUE(t);
    return *t;
  }
  // verifyAsync, run to completion; returns "" on success or the error message.
  std::string verifyAsync(Verifier& v, const std::string& t) {
    std::optional<std::string> outcome;
    v.verifyAsync(t, [&](Result<Principal> r) { outcome = r ? "" : r.error().message; });
    EXPECT_TRUE(runUntil([&] { return outcome.has_value(); }));
    return outcome.value_or("timeout");
  }

  TempDir dir_;
  std::chrono::system_clock::time_point now_ = fixedNow();
  static TestKey* old_;
  static TestKey* new_;
};

TestKey* AuthJwksTest::old_ = nullptr;
TestKey* AuthJwksTest::new_ = nullptr;

TEST_F(AuthJwksTest, JwksFileIsReReadOnUnknownKid) {
  auto c = baseConfig();
  c.jwks_file = dir_.write("jwks.json", jwks({publicJwk(*old_, "k1")}));
  auto v = Verifier::create(c, options());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(verifyAsync(**v, token(*old_, "ES256", "k1")), "");
  dir_.write("jwks.json", jwks({publicJwk(*old_, "k1"), publicJwk(*new_, "k2")}));
  EXPECT_EQ(verifyAsync(**v, token(*new_, "EdDSA", "k2")), "jwt kid: unknown key id");
  now_ += seconds(61);  // past the re-read rate limit
  EXPECT_EQ(verifyAsync(**v, token(*new_, "EdDSA", "k2")), "");
  EXPECT_EQ(verifyAsync(**v, token(*old_, "ES256", "k1")), "");
}

TEST_F(AuthJwksTest, UrlKeyRotation) {
  JwksServer server(dir_);
  server.publish(jwks({publicJwk(*old_, "k1")}));
  auto c = baseConfig();
  c.jwks_url = server.url();
  c.jwks_ca_file = server.caFile();
  auto created = Verifier::create(c, options());
  ASSERT_TRUE(created) << created.error().message;
  Verifier& v = **created;

  std::optional<std::string> refreshed;
  v.refreshKeys([&](Status s) { refreshed = s ? "" : s.error().message; });
  ASSERT_TRUE(runUntil([&] { return refreshed.has_value(); }));
  ASSERT_EQ(*refreshed, "");
  EXPECT_EQ(server.requests(), 1);
  const std::string old_token = token(*old_, "ES256", "k1");
  EXPECT_EQ(verifyAsync(v, old_token), "");

  // The issuer publishes the new key next to the old one and starts signing with it.
  server.publish(jwks({publicJwk(*old_, "k1"), publicJwk(*new_, "k2")}));
  const std::string new_token = token(*new_, "EdDSA", "k2");
  // Within a minute of the last fetch the unknown kid does not trigger a fetch...
  now_ += seconds(30);
  EXPECT_EQ(verifyAsync(v, new_token), "jwt kid: unknown key id (JWKS re-fetch rate-limited)");
  EXPECT_EQ(server.requests(), 1);
  // ...after it, it does, and both keys verify.
  now_ += seconds(31);
  EXPECT_EQ(verifyAsync(v, new_token), "");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(verifyAsync(v, old_token), "");
  EXPECT_EQ(verifyAsync(v, new_token), "");
  EXPECT_EQ(server.requests(), 2);  // cached (max-age=600)
  // An unknown kid right after a fetch is rate-limited, not fetched.
  EXPECT_NE(verifyAsync(v, token(*old_, "ES256", "k9")).find("rate-limited"), std::string::npos);
  EXPECT_EQ(server.requests(), 2);

  // The issuer retires the old key. Once the cache is stale, a verification with a known kid
  // answers at once and refreshes in the background.
  server.publish(jwks({publicJwk(*new_, "k2")}));
  now_ += seconds(601);
  EXPECT_EQ(verifyAsync(v, new_token), "");
  ASSERT_TRUE(runUntil([&] { return server.requests() == 3 && v.keyIds().size() == 1; }));
  EXPECT_EQ(v.keyIds(), std::vector<std::string>{"k2"});
  EXPECT_EQ(verifyAsync(v, old_token), "jwt kid: unknown key id (JWKS re-fetch rate-limited)");
}

TEST_F(AuthJwksTest, UrlFirstVerificationFetches) {
  JwksServer server(dir_);
  server.publish(jwks({publicJwk(*old_, "k1")}));
  auto c = baseConfig();
  c.jwks_url = server.url();
  c.jwks_ca_file = server.caFile();
  auto v = Verifier::create(c, options());
  ASSERT_TRUE(v);
  EXPECT_FALSE((*v)->hasKeys());
  EXPECT_EQ((*v)->verify(token(*old_, "ES256", "k1"), now_).error().message,
            "jwt kid: no verification keys loaded");
  EXPECT_EQ(verifyAsync(**v, token(*old_, "ES256", "k1")), "");
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(AuthJwksTest, VerifyNowStartsARefreshForARetry) {
  JwksServer server(dir_);
  server.publish(jwks({publicJwk(*old_, "k1")}));
  auto c = baseConfig();
  c.jwks_url = server.url();
  c.jwks_ca_file = server.caFile();
  auto v = Verifier::create(c, options());
  ASSERT_TRUE(v);
  const std::string t = token(*old_, "ES256", "k1");
  auto first = (*v)->verifyNow(t);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message,
            "jwt kid: no verification keys loaded (JWKS refresh started, retry)");
  ASSERT_TRUE(runUntil([&] { return (*v)->hasKeys(); }));
  auto retry = (*v)->verifyNow(t);
  EXPECT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(AuthJwksTest, UrlCertificateIsVerified) {
  JwksServer server(dir_);
  server.publish(jwks({publicJwk(*old_, "k1")}));
  auto c = baseConfig();
  c.jwks_url = server.url();  // no CA file: the system store does not trust the test cert
  auto v = Verifier::create(c, options());
  ASSERT_TRUE(v);
  std::optional<std::string> refreshed;
  (*v)->refreshKeys([&](Status s) { refreshed = s ? "" : s.error().message; });
  ASSERT_TRUE(runUntil([&] { return refreshed.has_value(); }));
  EXPECT_NE(refreshed->find("JWKS fetch failed"), std::string::npos) << *refreshed;
  EXPECT_FALSE((*v)->hasKeys());
  EXPECT_EQ(verifyAsync(**v, token(*old_, "ES256", "k1")),
            "jwt kid: no verification keys loaded (JWKS re-fetch rate-limited)");
}

TEST_F(AuthJwksTest, DestroyingTheVerifierDropsPendingCallbacks) {
  JwksServer server(dir_);
  server.publish(jwks({publicJwk(*old_, "k1")}));
  auto c = baseConfig();
  c.jwks_url = server.url();
  c.jwks_ca_file = server.caFile();
  auto v = Verifier::create(c, options());
  ASSERT_TRUE(v);
  bool called = false;
  (*v)->verifyAsync(token(*old_, "ES256", "k1"), [&](Result<Principal>) { called = true; });
  v->reset();
  for (int i = 0; i < 200; ++i) {
    g_main_context_iteration(nullptr, FALSE);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ds::auth
