#include "media/encoder_failover.hpp"

#include "media/encoder_profile.hpp"

namespace ds::media {

FailoverDecision EncoderFailover::failed(bool from_encoder, Clock::time_point now) {
  const bool early = started_at_.has_value() && now - *started_at_ < early_failure_;
  ++failures_on_this_encoder_;
  if (!early) failures_on_this_encoder_ = 1;  // only failures soon after a start add up
  if (!from_encoder && !(early && failures_on_this_encoder_ >= 2)) {
    return {encoder_, false, false, "restarting " + encoder_};
  }
  const auto chain = fallbackChain(encoder_);
  std::string skipped;
  for (size_t i = 1; i < chain.size(); ++i) {
    if (auto st = probe_(chain[i]); !st) {
      skipped += "; " + chain[i] + " unavailable: " + st.error().message;
      continue;
    }
    const std::string from = encoder_;
    encoder_ = chain[i];
    failures_on_this_encoder_ = 0;
    return {encoder_, true, false,
            (from_encoder ? from + " failed" : from + " failed twice in a row") +
                "; switching to " + encoder_ + skipped};
  }
  if (early && failures_on_this_encoder_ >= 2) {
    // The last encoder cannot run here either: stop instead of rebuilding in a loop.
    blocked_until_ = now + cool_down_;
    return {encoder_, false, true,
            encoder_ + " failed twice within " + std::to_string(early_failure_.count()) +
                " s of starting and no other encoder works here; the video stays off for " +
                std::to_string(cool_down_.count()) + " s" + skipped};
  }
  return {encoder_, false, false,
          "restarting " + encoder_ + ": no other encoder to fall back to" + skipped};
}

std::optional<EncoderFailover::Clock::duration> EncoderFailover::blockedFor(
    Clock::time_point now) const {
  if (!blocked_until_ || now >= *blocked_until_) return std::nullopt;
  return *blocked_until_ - now;
}

}  // namespace ds::media
