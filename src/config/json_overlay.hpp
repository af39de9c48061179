// SELKIES_JSON_CONFIG (Selkies' --json_config): a JSON object file whose keys framerate,
// video_bitrate, audio_bitrate, enable_resize and encoder override the environment and the
// command line at startup, and into which the settings a client changes at run time (vb, ab,
// _arg_fps, _arg_resize) are written back, so they survive a restart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ds::config {

// The file is never read beyond this many bytes (a bigger one is reported and ignored).
inline constexpr size_t kJsonConfigMaxBytes = 64 * 1024;

struct OverlayReport {
  std::vector<std::string> applied;   // "framerate=30", in file order
  std::vector<std::string> warnings;  // one line per ignored key or the whole file
};

// Pure: applies the overriding keys of `text` to `loaded` (config and its startup-log settings),
// each value checked by the option table like an environment variable. Invalid JSON, a non-object
// or an invalid value is a warning (the value keeps its environment/default) and never an error:
// the file is written at run time, so nothing in it may stop a restart. Other keys are ignored.
OverlayReport applyJsonOverlay(Loaded& loaded, std::string_view text, std::string_view path);

// Pure: the file content after setting `key` (an integer or a boolean) in `existing`. Content that
// is not a JSON object is replaced by a new object holding only `key` (`replaced` is then true).
std::string withJsonValue(std::string_view existing, std::string_view key, int value,
                          bool* replaced = nullptr);
std::string withJsonValue(std::string_view existing, std::string_view key, bool value,
                          bool* replaced = nullptr);

// Reads `path` if it exists: nullopt when it does not; an error when it cannot be read or is
// larger than kJsonConfigMaxBytes.
Result<std::optional<std::string>> readJsonConfig(const std::string& path);

// Writes `content` to a temporary file in the same directory, then renames it over `path`, so a
// reader (or a crash) never sees a half-written file.
Status writeFileAtomic(const std::string& path, std::string_view content);

}  // namespace ds::config
