#include "auth/jwks_fetcher.hpp"

#include <libsoup/soup.h>

#include <exception>

#include "core/log.hpp"
#include "core/strings.hpp"

namespace ds::auth {
namespace {

constexpr gsize kMaxJwksBytes = 512 * 1024;

template <typename T>
struct GObjectDeleter {
  void operator()(T* p) const { g_object_unref(p); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectDeleter<T>>;

}  // namespace

struct JwksFetcher::Impl {
  std::string url;
  GPtr<SoupSession> session;
  GPtr<GCancellable> cancellable;
};

namespace {

// One request in flight; owns the callback. The fetcher may be gone when it completes.
struct Pending {
  std::weak_ptr<JwksFetcher::Impl> owner;
  GPtr<SoupMessage> message;
  JwksFetcher::Callback done;
};

Result<FetchedJwks> finish(Pending& p, GObject* source, GAsyncResult* result) {
  GError* error = nullptr;
  GBytes* bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
  if (bytes == nullptr) {
    std::string why = error != nullptr ? error->message : "unknown error";
    g_clear_error(&error);
    return fail("JWKS fetch failed: " + why);
  }
  std::unique_ptr<GBytes, decltype(&g_bytes_unref)> holder(bytes, &g_bytes_unref);
  const guint status = soup_message_get_status(p.message.get());
  if (status != SOUP_STATUS_OK) return fail("JWKS fetch: HTTP status " + std::to_string(status));
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  if (size > kMaxJwksBytes) return fail("JWKS fetch: response larger than 512 KiB");
  FetchedJwks out;
  out.body.assign(data != nullptr ? data : "", size);
  SoupMessageHeaders* headers = soup_message_get_response_headers(p.message.get());
  if (const char* cc = soup_message_headers_get_list(headers, "Cache-Control")) {
    out.max_age = parseCacheControlMaxAge(cc);
  }
  return out;
}

void onFetched(GObject* source, GAsyncResult* result, gpointer user_data) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(user_data));
  try {
    auto outcome = finish(*p, source, result);
    if (p->owner.expired()) return;  // fetcher destroyed (and the request cancelled)
    p->done(std::move(outcome));
  } catch (const std::exception& e) {
    log::error("auth", std::string("JWKS fetch callback threw: ") + e.what());
  } catch (...) {
    log::error("auth", "JWKS fetch callback threw");
  }
}

}  // namespace

std::optional<std::chrono::seconds> parseCacheControlMaxAge(std::string_view value) {
  std::optional<std::chrono::seconds> out;
  for (std::string_view directive : split(value, ',')) {
    const std::string d = toLower(trim(directive));
    if (d == "no-store" || d == "no-cache") return std::chrono::seconds(0);
    if (d.rfind("max-age=", 0) == 0) {
      std::string_view num = std::string_view(d).substr(8);
      if (num.size() >= 2 && num.front() == '"' && num.back() == '"') {
        num = num.substr(1, num.size() - 2);
      }
      const auto secs = parseInt(num);
      if (secs && *secs >= 0) out = std::chrono::seconds(std::min<int64_t>(*secs, 1LL << 31));
    }
  }
  return out;
}

JwksFetcher::JwksFetcher(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

JwksFetcher::~JwksFetcher() {
  if (impl_ && impl_->cancellable) g_cancellable_cancel(impl_->cancellable.get());
}

Result<std::unique_ptr<JwksFetcher>> JwksFetcher::create(const std::string& url,
                                                         const std::string& ca_file,
                                                         std::chrono::seconds timeout) {
  if (toLower(url.substr(0, 8)) != "https://") return fail("JWKS URL must be https://");
  SoupMessage* probe = soup_message_new(SOUP_METHOD_GET, url.c_str());
  if (probe == nullptr) return fail("JWKS URL is not a valid URL");
  g_object_unref(probe);
  auto impl = std::make_shared<Impl>();
  impl->url = url;
  impl->session.reset(soup_session_new_with_options("timeout", static_cast<guint>(timeout.count()),
                                                    "user-agent", "deskstream-jwks/1", nullptr));
  impl->cancellable.reset(g_cancellable_new());
  if (!ca_file.empty()) {
    GError* error = nullptr;
    GTlsDatabase* db = g_tls_file_database_new(ca_file.c_str(), &error);
    if (db == nullptr) {
      std::string why = error != nullptr ? error->message : "unknown error";
      g_clear_error(&error);
      return fail("DESKSTREAM_JWT_JWKS_CA_FILE '" + ca_file + "': " + why);
    }
    soup_session_set_tls_database(impl->session.get(), db);
    g_object_unref(db);
  }
  return std::unique_ptr<JwksFetcher>(new JwksFetcher(std::move(impl)));
}

void JwksFetcher::fetch(Callback done) {
  auto pending = std::make_unique<Pending>();
  pending->owner = impl_;
  pending->done = std::move(done);
  pending->message.reset(soup_message_new(SOUP_METHOD_GET, impl_->url.c_str()));
  if (!pending->message) {
    log::error("auth", "JWKS URL rejected by libsoup");
    return;
  }
  soup_message_add_flags(pending->message.get(), SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace(soup_message_get_request_headers(pending->message.get()), "Accept",
                               "application/jwk-set+json, application/json");
  SoupMessage* msg = pending->message.get();
  soup_session_send_and_read_async(impl_->session.get(), msg, G_PRIORITY_DEFAULT,
                                   impl_->cancellable.get(), &onFetched, pending.release());
}

}  // namespace ds::auth
