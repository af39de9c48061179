// How Selkies 1.6.2 reads its settings (every flag is a string; `__main__.py` turns it into a
// value with Python's int(), float() or `.lower() == "true"`), so that every value Selkies accepts
// is accepted here with the same meaning. Each reader returns the value deskstream uses and, when
// the text is probably not what was meant, a warning (config::load prefixes the variable); it
// fails only for text that cannot work. Pure: unit-tested in tests/unit/config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ds::config::selkies {

template <typename T>
struct Reading {
  T value;
  std::string warning;  // empty: the value is fine as it is
};

// Python's int(text): surrounding whitespace, a sign, decimal digits with single underscores
// between them ("8_000"); nullopt for anything else ("8000.0", "8e3", "0x10") or beyond int64.
std::optional<int64_t> pythonInt(std::string_view text);
// Python's float(text): whitespace, sign, digits with a fraction and/or exponent, underscores
// between digits, "inf"/"infinity"/"nan" in any case; nullopt for anything else.
std::optional<double> pythonFloat(std::string_view text);

// `text.lower() == "true"`: anything else is false; a warning unless it is "false" (any case).
Reading<bool> readBool(std::string_view text);
// "true", "false", "in", "out" (any case); anything else is off, with a warning.
Reading<ClipboardMode> readClipboard(std::string_view text);
// "tcp" (any case) is TCP; anything else is UDP, with a warning unless it is "udp".
Reading<std::string> readTurnProtocol(std::string_view text);

// float(): -1 = keyframes only on request (infinite GOP); any other number gives a GOP of
// max(60, framerate x seconds) frames, so 0 or a negative number means every 60 frames (warned).
// Non-finite numbers fail (Selkies fails on them too).
Result<Reading<double>> readKeyframeDistance(std::string_view text);
// float() percentage: fractions allowed; a negative number is 0 (warned); above 100 fails.
Result<Reading<double>> readLossPercent(std::string_view text);
// int() frames per second, at least 1; above 240 is warned.
Result<Reading<int>> readFramerate(std::string_view text);
// int() kbit/s, 1..2048000 (x264enc's maximum); below 100 is warned.
Result<Reading<int>> readVideoBitrate(std::string_view text);
// int() bit/s. Outside opusenc's 4000..650000 Selkies' setting is refused by opusenc, which keeps
// its default of 128000: the same value is used here, with a warning.
Result<Reading<int>> readAudioBitrate(std::string_view text);
// int(); a negative id selects the default GPU (-1), warned.
Result<Reading<int>> readGpuId(std::string_view text);
// int() pixels; -1 = native size. Other values below 1 and sizes above 512 keep the native size
// (warned).
Result<Reading<int>> readCursorSize(std::string_view text);
// Listen address: an IP address; empty (Selkies: every interface) is 0.0.0.0, "localhost" is
// 127.0.0.1. Other host names fail (Selkies resolves them; deskstream listens on addresses only).
Result<Reading<std::string>> readListenAddress(std::string_view text);
// int() port 1..65535. With `empty_is_off`, an empty text reads as 0 ("not set"), warned with
// `off_meaning`.
Result<Reading<int>> readPort(std::string_view text, bool empty_is_off = false,
                              std::string_view off_meaning = {});

}  // namespace ds::config::selkies
