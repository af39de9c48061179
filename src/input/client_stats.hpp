// `_stats_video,<json>` / `_stats_audio,<json>`: the getStats() report list the Selkies web client
// uploads every second, parsed with limits and flattened as Selkies flattens it for its
// `webrtc_statistics` Info metric and its statistics CSV: one field per member of each report,
// named "<type>.<member>", or "<type>-<id>.<member>" for the second and later reports of a type,
// with the value printed as Python's str() prints the JSON value (1 -> "1", 1.5 -> "1.5",
// 2e-05 -> "2e-05", true -> "True", null -> "None"). Pure; used by the metrics and the CSV writer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ds::input {

struct StatsField {
  std::string name;   // "<type>[-<id>].<member>"
  std::string value;  // as Python's str() prints it
  bool operator==(const StatsField&) const = default;
};

struct ClientStats {
  bool audio = false;              // `_stats_audio` (else `_stats_video`)
  std::vector<StatsField> fields;  // in upload order; names unique (a repeat keeps the last value)
};

// Limits: what a client can make us parse and keep.
inline constexpr size_t kMaxClientStatsBytes = 256 * 1024;  // the JSON text
inline constexpr int kMaxClientStatsDepth = 4;  // list > report > member value > one nested level
inline constexpr size_t kMaxClientStatsFields = 4096;  // fields over all reports

// Parses the JSON array of one `_stats_*` message. Errors (not an array of objects each with a
// string "type", invalid JSON, over a limit) say why in a few words.
Result<ClientStats> parseClientStats(bool audio, std::string_view json);

// Python's repr of a float (shortest round trip; exponent form below 1e-4 and from 1e16).
std::string pythonFloat(double value);

}  // namespace ds::input
