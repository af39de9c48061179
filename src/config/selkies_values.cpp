#include "config/selkies_values.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/strings.hpp"

namespace ds::config::selkies {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view pythonStrip(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Digits with single underscores between them, from s[i]; appends the digits to `out`.
// Returns false when there is no digit at i or an underscore is misplaced.
bool digits(std::string_view s, size_t& i, std::string& out) {
  if (i >= s.size() || !isDigit(s[i])) return false;
  while (i < s.size()) {
    if (isDigit(s[i])) {
      out += s[i++];
    } else if (s[i] == '_' && i + 1 < s.size() && isDigit(s[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  return true;
}

Unexpected<Error> notNumber(std::string_view kind) {
  return fail("not " + std::string(kind) + " as Selkies reads it");
}

}  // namespace

std::optional<int64_t> pythonInt(std::string_view text) {
  const std::string_view s = pythonStrip(text);
  size_t i = 0;
  std::string clean;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
  if (!digits(s, i, clean) || i != s.size()) return std::nullopt;
  if (clean.front() == '+') clean.erase(0, 1);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
  if (ec != std::errc() || end != clean.data() + clean.size()) return std::nullopt;
  return v;
}

std::optional<double> pythonFloat(std::string_view text) {
  const std::string_view s = pythonStrip(text);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const std::string word = toLower(s.substr(i));
  if (word == "inf" || word == "infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (word == "nan") return std::numeric_limits<double>::quiet_NaN();
  std::string clean = negative ? "-" : "";
  const bool whole = digits(s, i, clean);
  bool fraction = false;
  if (i < s.size() && s[i] == '.') {
    clean += s[i++];
    fraction = digits(s, i, clean);
  }
  if (!whole && !fraction) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean += s[i++];
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    if (!digits(s, i, clean)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
  if (end != clean.data() + clean.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {  // Python: inf when too large, 0 when too small
    const size_t e = clean.find_first_of("eE");
    if (e != std::string::npos && clean[e + 1] == '-') return negative ? -0.0 : 0.0;
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

Reading<bool> readBool(std::string_view text) {
  const std::string s = toLower(text);
  if (s == "true") return {true, ""};
  if (s == "false") return {false, ""};
  return {false, "read as false: only \"true\" (in any case) turns it on, as in Selkies"};
}

Reading<ClipboardMode> readClipboard(std::string_view text) {
  const std::string s = toLower(text);
  if (s == "true") return {ClipboardMode::kBoth, ""};
  if (s == "false") return {ClipboardMode::kOff, ""};
  if (s == "in") return {ClipboardMode::kIn, ""};
  if (s == "out") return {ClipboardMode::kOut, ""};
  return {ClipboardMode::kOff,
          "read as false (clipboard off): Selkies knows only true, false, in and out"};
}

Reading<std::string> readTurnProtocol(std::string_view text) {
  const std::string s = toLower(text);
  if (s == "tcp") return {"tcp", ""};
  if (s == "udp") return {"udp", ""};
  return {"udp", "read as udp: only \"tcp\" selects TCP, as in Selkies"};
}

Result<Reading<double>> readKeyframeDistance(std::string_view text) {
  const auto v = pythonFloat(text);
  if (!v) return notNumber("a number");
  if (!std::isfinite(*v)) return fail("not a finite number (Selkies fails on it too)");
  if (*v == -1.0) return Reading<double>{-1.0, ""};
  if (*v <= 0) {
    return Reading<double>{*v,
                           "not -1 (keyframes only on request), so a keyframe every 60 frames, "
                           "the shortest distance Selkies uses"};
  }
  return Reading<double>{*v, ""};
}

Result<Reading<double>> readLossPercent(std::string_view text) {
  const auto v = pythonFloat(text);
  if (!v) return notNumber("a number");
  if (std::isnan(*v) || *v > 100) return fail("not a percentage");
  if (*v < 0) return Reading<double>{0.0, "negative: read as 0 (no forward error correction)"};
  return Reading<double>{*v, ""};
}

Result<Reading<int>> readFramerate(std::string_view text) {
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v < 1 || *v > std::numeric_limits<int>::max()) return fail("not a frame rate");
  const int fps = static_cast<int>(*v);
  if (fps > 240) {
    return Reading<int>{fps, "more than 240 fps: the capture runs as fast as X delivers frames"};
  }
  return Reading<int>{fps, ""};
}

Result<Reading<int>> readVideoBitrate(std::string_view text) {
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v < 1) return fail("no video at 0 kbit/s");
  if (*v > 2048000) return fail("more than x264enc's 2048000 kbit/s (kbit/s, not bit/s?)");
  const int kbps = static_cast<int>(*v);
  if (kbps < 100)
    return Reading<int>{kbps, "below 100 kbit/s: the unit is kbit/s (8000 = 8 Mbit/s)"};
  return Reading<int>{kbps, ""};
}

Result<Reading<int>> readAudioBitrate(std::string_view text) {
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v < 4000 || *v > 650000) {
    return Reading<int>{128000,
                        "outside opusenc's 4000..650000 bit/s, so opusenc keeps its default "
                        "128000 as on Selkies (the unit is bit/s: 128000 = 128 kbit/s)"};
  }
  return Reading<int>{static_cast<int>(*v), ""};
}

Result<Reading<int>> readGpuId(std::string_view text) {
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v < 0) return Reading<int>{-1, "negative: the default GPU is used"};
  if (*v > 1000) return fail("not a GPU index");
  return Reading<int>{static_cast<int>(*v), ""};
}

Result<Reading<int>> readCursorSize(std::string_view text) {
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v == -1) return Reading<int>{-1, ""};
  if (*v < 1) return Reading<int>{-1, "below 1: cursor images keep their native size"};
  if (*v > 512) return Reading<int>{-1, "above 512: cursor images keep their native size"};
  return Reading<int>{static_cast<int>(*v), ""};
}

Result<Reading<std::string>> readListenAddress(std::string_view text) {
  const std::string s(text);
  if (s.empty()) return Reading<std::string>{"0.0.0.0", ""};
  if (toLower(s) == "localhost") return Reading<std::string>{"127.0.0.1", ""};
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return Reading<std::string>{s, ""};
  }
  return fail("a host name: give its IP address");
}

Result<Reading<int>> readPort(std::string_view text, bool empty_is_off,
                              std::string_view off_meaning) {
  if (empty_is_off && pythonStrip(text).empty()) {
    return Reading<int>{0, "empty: " + std::string(off_meaning)};
  }
  const auto v = pythonInt(text);
  if (!v) return notNumber("a whole number");
  if (*v < 1 || *v > 65535) return fail("not a port");
  return Reading<int>{static_cast<int>(*v), ""};
}

}  // namespace ds::config::selkies
