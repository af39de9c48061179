#include "http/read_budget.hpp"

#include <utility>

#include "core/log.hpp"
#include "core/tsan.hpp"

// GObject types in C++: a GInputStream that is also a GPollableInputStream and forwards to the
// base stream while counting, and a GIOStream pairing it with the base's output stream.

namespace ds::http::detail {
namespace {

struct BudgetInput {
  GInputStream parent;
  GInputStream* base;
  std::shared_ptr<ReadBudget>* budget;
};
struct BudgetInputClass {
  GInputStreamClass parent_class;
};

void budgetInputPollableInit(GPollableInputStreamInterface* iface);

// GLib's type macros expand to C casts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
G_DEFINE_TYPE_WITH_CODE(BudgetInput, budget_input, G_TYPE_INPUT_STREAM,
                        G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_INPUT_STREAM,
                                              budgetInputPollableInit))
#pragma GCC diagnostic pop

BudgetInput* asBudgetInput(gpointer p) {
  return G_TYPE_CHECK_INSTANCE_CAST(p, budget_input_get_type(), BudgetInput);
}

constexpr guint kCloseGraceMs = 200;

// Counts `n` bytes; false once the budget is used up (nothing more is delivered).
bool count(BudgetInput* self, gssize n) {
  ReadBudget& b = **self->budget;
  if (n > 0) b.used += static_cast<size_t>(n);
  if (!b.exceeded && b.limit > 0 && b.used > b.limit) {
    b.exceeded = true;
    auto* keep = new std::shared_ptr<ReadBudget>(*self->budget);
    g_idle_add_full(
        G_PRIORITY_DEFAULT,
        [](gpointer data) -> gboolean {
          const auto& budget = *static_cast<std::shared_ptr<ReadBudget>*>(data);
          try {
            if (budget->on_exceeded) {
              auto cb = budget->on_exceeded;
              cb();  // queues the close frame (1009)
            }
            // Nothing more is read from this peer, so it would never see the close handshake
            // finish: end the connection once the close frame has had time to go out.
            if (budget->socket != nullptr) {
              g_timeout_add_full(
                  G_PRIORITY_DEFAULT, kCloseGraceMs,
                  [](gpointer d) -> gboolean {
                    const auto& owner = *static_cast<std::shared_ptr<ReadBudget>*>(d);
                    g_socket_shutdown(owner->socket, TRUE, TRUE, nullptr);
                    return G_SOURCE_REMOVE;
                  },
                  new std::shared_ptr<ReadBudget>(budget),
                  [](gpointer d) { delete static_cast<std::shared_ptr<ReadBudget>*>(d); });
            }
          } catch (const std::exception& e) {
            log::error("http", std::string("read limit handler failed: ") + e.what());
          }
          return G_SOURCE_REMOVE;
        },
        keep, [](gpointer data) { delete static_cast<std::shared_ptr<ReadBudget>*>(data); });
  }
  return !b.exceeded;
}

bool blocked(BudgetInput* self) { return (*self->budget)->exceeded; }

gssize budgetRead(GInputStream* stream, void* buffer, gsize count_, GCancellable* cancellable,
                  GError** error) {
  const core::TsanCallbackScope scope(stream);  // budgetFinalize may run on a GTask thread
  auto* self = asBudgetInput(stream);
  if (blocked(self)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "read limit exceeded");
    return -1;
  }
  const gssize n = g_input_stream_read(self->base, buffer, count_, cancellable, error);
  count(self, n);
  return n;
}

gboolean budgetClose(GInputStream* stream, GCancellable* cancellable, GError** error) {
  return g_input_stream_close(asBudgetInput(stream)->base, cancellable, error);
}

// Usually on the main loop; on a GTask pool thread when GIO's close_async there drops the last
// reference (seen under TSan): the main loop's calls above and below end in a release that this
// join acquires (core/tsan.hpp).
void budgetFinalize(GObject* object) {
  core::tsanJoin(object);
  auto* self = asBudgetInput(object);
  g_clear_object(&self->base);
  delete self->budget;
  self->budget = nullptr;
  G_OBJECT_CLASS(budget_input_parent_class)->finalize(object);
}

void budget_input_class_init(BudgetInputClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = budgetFinalize;
  G_INPUT_STREAM_CLASS(klass)->read_fn = budgetRead;
  G_INPUT_STREAM_CLASS(klass)->close_fn = budgetClose;
}

void budget_input_init(BudgetInput* self) {
  self->base = nullptr;
  self->budget = nullptr;
}

gboolean budgetCanPoll(GPollableInputStream* stream) {
  const core::TsanCallbackScope scope(stream);  // budgetFinalize may run on a GTask thread
  auto* base = asBudgetInput(stream)->base;
  return G_IS_POLLABLE_INPUT_STREAM(base) &&
         g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(base));
}

gboolean budgetIsReadable(GPollableInputStream* stream) {
  const core::TsanCallbackScope scope(stream);  // budgetFinalize may run on a GTask thread
  auto* self = asBudgetInput(stream);
  if (blocked(self)) return FALSE;
  return g_pollable_input_stream_is_readable(G_POLLABLE_INPUT_STREAM(self->base));
}

GSource* budgetCreateSource(GPollableInputStream* stream, GCancellable* cancellable) {
  const core::TsanCallbackScope scope(stream);  // budgetFinalize may run on a GTask thread
  auto* self = asBudgetInput(stream);
  if (blocked(self)) {
    // Never ready: nothing more is read from this peer.
    return g_pollable_source_new_full(stream, nullptr, cancellable);
  }
  GSource* base =
      g_pollable_input_stream_create_source(G_POLLABLE_INPUT_STREAM(self->base), cancellable);
  GSource* source = g_pollable_source_new_full(stream, base, cancellable);
  g_source_unref(base);
  return source;
}

gssize budgetReadNonblocking(GPollableInputStream* stream, void* buffer, gsize count_,
                             GError** error) {
  const core::TsanCallbackScope scope(stream);  // budgetFinalize may run on a GTask thread
  auto* self = asBudgetInput(stream);
  if (blocked(self)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "read limit exceeded");
    return -1;
  }
  const gssize n = g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(self->base),
                                                            buffer, count_, nullptr, error);
  count(self, n);
  return n;
}

void budgetInputPollableInit(GPollableInputStreamInterface* iface) {
  iface->can_poll = budgetCanPoll;
  iface->is_readable = budgetIsReadable;
  iface->create_source = budgetCreateSource;
  iface->read_nonblocking = budgetReadNonblocking;
}

struct BudgetIO {
  GIOStream parent;
  GIOStream* base;
  GInputStream* input;
};
struct BudgetIOClass {
  GIOStreamClass parent_class;
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
G_DEFINE_TYPE(BudgetIO, budget_io, G_TYPE_IO_STREAM)
#pragma GCC diagnostic pop

BudgetIO* asBudgetIO(gpointer p) {
  return G_TYPE_CHECK_INSTANCE_CAST(p, budget_io_get_type(), BudgetIO);
}

// The main loop's calls end in a release for budgetIOFinalize (below).
GInputStream* budgetIOInput(GIOStream* stream) {
  const core::TsanCallbackScope scope(stream);
  return asBudgetIO(stream)->input;
}
GOutputStream* budgetIOOutput(GIOStream* stream) {
  const core::TsanCallbackScope scope(stream);
  return g_io_stream_get_output_stream(asBudgetIO(stream)->base);
}
// GIO's default close_async runs this on a GTask pool thread; the stream was made on the main
// loop and is usually finalized there, but on that thread when the task holds the last
// reference (seen under TSan in security_peer_isolation). The TSan calls say what GLib's locks
// order (core/tsan.hpp).
gboolean budgetIOClose(GIOStream* stream, GCancellable* cancellable, GError** error) {
  const core::TsanCallbackScope scope(stream);
  return g_io_stream_close(asBudgetIO(stream)->base, cancellable, error);
}

void budgetIOFinalize(GObject* object) {
  core::tsanJoin(object);
  auto* self = asBudgetIO(object);
  g_clear_object(&self->input);
  g_clear_object(&self->base);
  G_OBJECT_CLASS(budget_io_parent_class)->finalize(object);
}

void budget_io_class_init(BudgetIOClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = budgetIOFinalize;
  G_IO_STREAM_CLASS(klass)->get_input_stream = budgetIOInput;
  G_IO_STREAM_CLASS(klass)->get_output_stream = budgetIOOutput;
  G_IO_STREAM_CLASS(klass)->close_fn = budgetIOClose;
}

void budget_io_init(BudgetIO* self) {
  self->base = nullptr;
  self->input = nullptr;
}

constexpr const char* kBudgetKey = "ds-read-budget";

}  // namespace

GIOStream* newReadBudgetStream(GIOStream* base, std::shared_ptr<ReadBudget> budget) {
  auto* input = asBudgetInput(g_object_new(budget_input_get_type(), nullptr));
  input->base = G_INPUT_STREAM(g_object_ref(g_io_stream_get_input_stream(base)));
  input->budget = new std::shared_ptr<ReadBudget>(std::move(budget));
  auto* io = asBudgetIO(g_object_new(budget_io_get_type(), nullptr));
  io->base = G_IO_STREAM(g_object_ref(base));
  io->input = G_INPUT_STREAM(input);
  core::tsanPublish(io);
  return G_IO_STREAM(io);
}

std::shared_ptr<ReadBudget> readBudgetOf(GSocketAddress* remote) {
  if (remote == nullptr) return nullptr;
  auto* p =
      static_cast<std::shared_ptr<ReadBudget>*>(g_object_get_data(G_OBJECT(remote), kBudgetKey));
  return p == nullptr ? nullptr : *p;
}

// The address may be finalized on a GIO pool thread (with the connection a closing task held).
void attachReadBudget(GSocketAddress* remote, std::shared_ptr<ReadBudget> budget) {
  using Held = std::shared_ptr<ReadBudget>;
  g_object_set_data_full(G_OBJECT(remote), kBudgetKey,
                         core::newCallbackData<Held>(std::move(budget)),
                         &core::deleteCallbackData<Held>);
}

}  // namespace ds::http::detail
