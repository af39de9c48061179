// `dsyuvconvert`: a GStreamer element that converts the X capture (BGRx/BGRA) to the 4:2:0
// layouts the software encoders take (NV12, I420) with libyuv's SIMD row functions. It replaces
// videoconvert, which spent 4.1 ms per 1080p frame on one core here against libyuv's 0.3 ms
// (docs/decisions/0004-libyuv-colour-conversion.md). BT.601 limited range, chroma averaged over
// each 2x2 block; the output caps say colorimetry=bt601 so encoders write matching VUI.
#pragma once

namespace ds::media {

inline constexpr const char* kYuvConvertFactory = "dsyuvconvert";

// Registers the element with GStreamer (once per process; later calls do nothing). Call after
// gst_init and before building a pipeline that uses it.
void registerYuvConvert();

}  // namespace ds::media
