// The audio pipeline's GStreamer graph, without its state machine (audio_pipeline.cpp):
// source -> convert/resample -> caps -> opusenc -> rtpopuspay -> caps -> tee (docs/audio.md),
// where the source is PulseAudio (pulsesrc) or, while no PulseAudio server is reachable, live
// silence (audiotestsrc wave=silence) so that an audio peer still negotiates and connects.
// Plus the small GStreamer helpers the state machine needs. Main-loop thread only.
#pragma once

#include <gst/gst.h>

#include <string>

#include "audio/audio_pipeline.hpp"
#include "core/result.hpp"

namespace ds::audio::detail {

enum class Source { kPulse, kSilence };

// Element names inside the graph (every one starts with kPrefix: a bus error from an element
// without it comes from a viewer's branch).
inline constexpr const char* kPrefix = "audio-";
inline constexpr const char* kEncoderName = "audio-encoder";
inline constexpr const char* kPayloaderName = "audio-pay";
inline constexpr const char* kRtpCapsName = "audio-rtp-caps";
inline constexpr const char* kTeeName = "audio-tee";

// The whole graph in a new pipeline (not started). Fails on a missing plugin.
Result<GstElement*> buildGraph(const AudioOptions& options, Source source);

// True when some PulseAudio server could be behind `configured` (or the default location).
bool pulseServerMayExist(const std::string& configured);

// The first error a failed state change left on the pipeline's bus.
std::string popError(GstElement* pipeline);
// The payloader's caps without the per-run fields (ssrc, offsets): what the offers use.
GstCaps* offerCaps(GstCaps* current);
// Sets the pipeline to NULL and drops the reference.
void stopAndUnref(GstElement* pipeline);

}  // namespace ds::audio::detail
