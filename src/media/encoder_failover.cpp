#include "media/encoder_failover.hpp"

#include "media/encoder_profile.hpp"

namespace ds::media {

FailoverDecision EncoderFailover::failed(bool from_encoder, Clock::time_point now) {
  const bool early = started_at_.has_value() && now - *started_at_ < early_failure_;
  ++failures_on_this_encoder_;
  if (!from_encoder && !(early && failures_on_this_encoder_ >= 2)) {
    if (!early) failures_on_this_encoder_ = 1;
    return {encoder_, false, "restarting " + encoder_};
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
    return {encoder_, true,
            (from_encoder ? from + " failed" : from + " failed twice in a row") +
                "; switching to " + encoder_ + skipped};
  }
  return {encoder_, false,
          "restarting " + encoder_ + ": no other encoder to fall back to" + skipped};
}

}  // namespace ds::media
