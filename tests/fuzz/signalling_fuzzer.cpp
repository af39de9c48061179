// libFuzzer target: arbitrary WebSocket text frames through the signalling parser and the
// per-connection state machine (with a second connection sharing the uid registry), and the
// offer munger and the answer checks. Nothing may crash, and the state machine's invariants must
// hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sdp/answer.hpp"
#include "sdp/munge.hpp"
#include "signalling/handler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ds::signalling::UidRegistry registry;
  ds::signalling::Handler a(registry);
  ds::signalling::Handler viewer(registry, /*exclusive=*/false);
  // Frames are separated by '\n' so one input exercises a sequence.
  size_t start = 0;
  int i = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const auto frame = input.substr(start, end - start);
    auto& h = (i++ % 3 == 2) ? viewer : a;
    (void)h.onText(frame);
    if (frame.size() > 2 && frame[0] == 'O') (void)h.onOfferCreated(frame.substr(1));
    if (h.errorCount() > ds::signalling::Handler::kMaxErrors) std::abort();
    start = end + 1;
  }
  ds::sdp::OfferOptions options;
  if (size > 0) {  // the first byte picks the munge options
    options.add_playout_delay = (data[0] & 1) != 0;
    options.playout_delay_id = data[0] % 16;
    options.h264_profile_level_id = (data[0] & 2) != 0 ? "4d001f" : "42e01f";
  }
  (void)ds::sdp::mungeOffer(input, options);
  (void)ds::sdp::extmapId(input, ds::sdp::kPlayoutDelayUri);
  (void)ds::sdp::declinedSections(input);
  (void)ds::sdp::offeredVideoCodec(input);
  // An offer and an answer: the input split at its first NUL (or the input against itself).
  const size_t split = input.find('\0');
  if (split != std::string_view::npos) {
    (void)ds::sdp::chosenCodec(input.substr(0, split), input.substr(split + 1));
  } else {
    (void)ds::sdp::chosenCodec(input, input);
  }
  a.onClosed();
  if (registry.held("1") || registry.held("3")) std::abort();  // closing frees the uid
  return 0;
}
