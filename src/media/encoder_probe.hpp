// Startup probe: is an encoder usable here? Builds a tiny pipeline with the encoder's profile,
// feeds it one frame and waits for an encoded buffer. Never infer an
// encoder from its element being installed (e.g. NVENC from "CUDA works": an A100 or H100 has
// CUDA but no NVENC, and a GeForce refuses sessions beyond its cap): open a session.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/encoder_profile.hpp"

namespace ds::media {

// Ok when one frame went through `encoder`; otherwise why not.
Status probeEncoder(const std::string& encoder, const EncodeParams& params);

struct EncoderChoice {
  std::string encoder;                // the one to use
  std::vector<std::string> warnings;  // one line per encoder that was skipped, and why
};

// Walks fallbackChain(requested) and returns the first encoder that passes the probe.
Result<EncoderChoice> chooseEncoder(const std::string& requested, const EncodeParams& params);
// The one startup line for a choice that is not `requested`: what is used instead, and why each
// encoder before it was skipped.
std::string fallbackLine(const std::string& requested, const EncoderChoice& choice);

}  // namespace ds::media
