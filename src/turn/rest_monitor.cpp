#include "turn/rest_monitor.hpp"

#include <libsoup/soup.h>

#include <exception>

#include "core/log.hpp"
#include "core/strings.hpp"

namespace ds::turn {
namespace {

constexpr const char* kLog = "turn";

template <typename T>
struct GObjectDeleter {
  void operator()(T* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectDeleter<T>>;

}  // namespace

struct RestMonitor::Impl {
  RestSettings settings;
  GPtr<SoupSession> session;
  GPtr<GCancellable> cancellable;
  guint timer = 0;
  bool in_flight = false;
  int finished = 0;  // fetches completed, successful or not
  std::optional<ParsedRtc> current;
  std::function<void()> on_update;
  std::weak_ptr<Impl> self;

  void fetch();
  void done(Result<std::string> body);
};

namespace {

// One request in flight: reads the body in chunks up to the size bound.
struct Pending {
  std::weak_ptr<RestMonitor::Impl> owner;
  GPtr<SoupMessage> message;
  GPtr<GInputStream> stream;
  GCancellable* cancellable = nullptr;  // owned by Impl; valid while owner lives
  std::string body;
};

void finish(std::unique_ptr<Pending> p, Result<std::string> outcome) {
  auto owner = p->owner.lock();
  if (!owner) return;
  try {
    owner->done(std::move(outcome));
  } catch (const std::exception& e) {
    log::error(kLog, std::string("TURN REST update threw: ") + e.what());
  } catch (...) {
    log::error(kLog, "TURN REST update threw");
  }
}

void onRead(GObject* source, GAsyncResult* result, gpointer user_data) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(user_data));
  GError* error = nullptr;
  GBytes* bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, &error);
  if (bytes == nullptr) {
    std::string why = error != nullptr ? error->message : "read failed";
    g_clear_error(&error);
    finish(std::move(p), fail(why));
    return;
  }
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  if (size > 0) p->body.append(data, size);
  g_bytes_unref(bytes);
  if (p->body.size() > kMaxRestResponseBytes) {
    finish(std::move(p),
           fail("response larger than " + std::to_string(kMaxRestResponseBytes) + " bytes"));
    return;
  }
  if (size == 0) {
    std::string body = std::move(p->body);
    finish(std::move(p), std::move(body));
    return;
  }
  GInputStream* stream = p->stream.get();
  GCancellable* cancellable = p->cancellable;
  g_input_stream_read_bytes_async(stream, 16 * 1024, G_PRIORITY_DEFAULT, cancellable, &onRead,
                                  p.release());
}

void onSent(GObject* source, GAsyncResult* result, gpointer user_data) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(user_data));
  GError* error = nullptr;
  GInputStream* stream = soup_session_send_finish(SOUP_SESSION(source), result, &error);
  if (stream == nullptr) {
    std::string why = error != nullptr ? error->message : "request failed";
    g_clear_error(&error);
    finish(std::move(p), fail(why));
    return;
  }
  p->stream.reset(stream);
  const guint status = soup_message_get_status(p->message.get());
  if (status >= 400) {
    finish(std::move(p), fail("HTTP status " + std::to_string(status)));
    return;
  }
  GCancellable* cancellable = p->cancellable;
  g_input_stream_read_bytes_async(stream, 16 * 1024, G_PRIORITY_DEFAULT, cancellable, &onRead,
                                  p.release());
}

gboolean onTimer(gpointer data) {
  auto* impl = static_cast<RestMonitor::Impl*>(data);
  try {
    impl->fetch();
  } catch (...) {
    log::error(kLog, "TURN REST refresh threw");
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> restHeaders(const RestSettings& s) {
  std::string user = s.username;
  for (char& c : user) {
    if (c == ':') c = '-';
  }
  return {{s.username_header, user},
          {s.protocol_header, s.protocol},
          {s.tls_header, s.tls ? "true" : "false"}};
}

void RestMonitor::Impl::fetch() {
  if (in_flight) return;  // a slow endpoint: one request at a time
  auto p = std::make_unique<Pending>();
  p->message.reset(soup_message_new(SOUP_METHOD_GET, settings.uri.c_str()));
  if (!p->message) {
    done(fail("the URI is not valid"));
    return;
  }
  soup_message_add_flags(p->message.get(), SOUP_MESSAGE_NO_REDIRECT);
  SoupMessageHeaders* headers = soup_message_get_request_headers(p->message.get());
  for (const auto& [name, value] : restHeaders(settings)) {
    if (!name.empty()) soup_message_headers_replace(headers, name.c_str(), value.c_str());
  }
  in_flight = true;
  p->cancellable = cancellable.get();
  SoupMessage* msg = p->message.get();
  p->owner = self;
  Pending* raw = p.release();
  soup_session_send_async(session.get(), msg, G_PRIORITY_DEFAULT, cancellable.get(), &onSent, raw);
}

void RestMonitor::Impl::done(Result<std::string> body) {
  in_flight = false;
  ++finished;
  if (!body) {
    log::warn(kLog, "could not fetch the TURN REST configuration from " + settings.uri + ": " +
                        body.error().message + (current ? "; keeping the previous one" : ""));
    return;
  }
  auto parsed = parseRtcConfig(*body, settings.force_relay);
  if (!parsed) {
    log::warn(kLog, "TURN REST answer from " + settings.uri +
                        " is not an RTC configuration: " + parsed.error().message);
    return;
  }
  const bool first = !current;
  current = std::move(*parsed);
  if (first) {
    log::info(kLog, "using the TURN REST configuration from " + settings.uri + " (" +
                        std::to_string(current->uris.turn.size()) + " TURN servers)");
  }
  if (on_update) on_update();
}

RestMonitor::RestMonitor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

RestMonitor::~RestMonitor() {
  if (impl_->timer != 0) g_source_remove(impl_->timer);
  if (impl_->cancellable) g_cancellable_cancel(impl_->cancellable.get());
}

Status checkRestUri(const std::string& uri) {
  const std::string lower = toLower(uri.substr(0, 8));
  SoupMessage* probe = nullptr;
  if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) {
    probe = soup_message_new(SOUP_METHOD_GET, uri.c_str());
  }
  if (probe == nullptr) {
    return fail("SELKIES_TURN_REST_URI=\"" + uri +
                "\" is not valid: expected an http:// or https:// URL");
  }
  g_object_unref(probe);
  return {};
}

Result<std::unique_ptr<RestMonitor>> RestMonitor::create(RestSettings settings) {
  if (auto st = checkRestUri(settings.uri); !st) return Unexpected<Error>{st.error()};
  auto impl = std::make_shared<Impl>();
  impl->self = impl;
  impl->session.reset(
      soup_session_new_with_options("timeout", static_cast<guint>(settings.timeout.count()),
                                    "idle-timeout", static_cast<guint>(settings.timeout.count()),
                                    "user-agent", "deskstream-turn-rest/1", nullptr));
  impl->cancellable.reset(g_cancellable_new());
  impl->settings = std::move(settings);
  return std::unique_ptr<RestMonitor>(new RestMonitor(std::move(impl)));
}

void RestMonitor::start(std::function<void()> on_update) {
  impl_->on_update = std::move(on_update);
  impl_->fetch();
  impl_->timer = g_timeout_add_seconds(static_cast<guint>(impl_->settings.period.count()), &onTimer,
                                       impl_.get());
}

bool RestMonitor::waitFirst(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (impl_->finished == 0 && std::chrono::steady_clock::now() < deadline) {
    g_main_context_iteration(nullptr, FALSE);
    if (impl_->finished == 0) g_usleep(2000);
  }
  return impl_->current.has_value();
}

std::optional<ParsedRtc> RestMonitor::current() const { return impl_->current; }

}  // namespace ds::turn
