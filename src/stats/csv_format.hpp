// The WebRTC statistics CSV of Selkies (SELKIES_ENABLE_WEBRTC_STATISTICS), pure parts: how a
// client's getStats() report list (the `_stats_video` / `_stats_audio` payload) becomes one row,
// and how rows are written. The files themselves: stats/csv_recorder.hpp.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace ds::stats {

// Ordered column name → value pairs of one report list.
using Flat = std::vector<std::pair<std::string, std::string>>;

// As Selkies: each report's fields become "<type>.<field>"; a report whose type was already
// seen becomes "<type>-<id>.<field>". Values are written as Python's str() shows them (true →
// True, null → None). Errors: not a JSON array of objects, or more than `max_columns` columns.
Result<Flat> flatten(std::string_view json_array, size_t max_columns);

// Selkies skips report lists with fewer columns than this (the partial lists a reconnecting
// client sends), the timestamp column included.
inline constexpr size_t kMinColumns = 15;

// One CSV line (ending in "\r\n", Python csv's default) with minimal quoting; values holding
// ';' get an extra pair of quotes first, as Selkies writes them. CR and LF in values become
// spaces, so one row is always one line.
std::string csvLine(const std::vector<std::string>& fields, bool selkies_semicolon_quotes);

// "02/December/2026:22:45:42" (the row timestamp) and "2026-12-02:22:45:42" (in file names),
// local time, as Selkies formats them.
std::string rowTimestamp(const std::tm& local);
std::string fileTimestamp(const std::tm& local);

// The columns of one file. Columns are matched by name; columns a new row brings are appended
// at the end and earlier rows read NaN there; columns a row lacks read NaN.
class Columns {
 public:
  const std::vector<std::string>& names() const { return names_; }
  bool empty() const { return names_.empty(); }
  // Adds the names `flat` brings; returns how many were new.
  size_t merge(const Flat& flat);
  // The row's values in column order (after merge), "timestamp" first.
  std::vector<std::string> row(std::string_view timestamp, const Flat& flat) const;
  std::vector<std::string> header() const;

 private:
  std::vector<std::string> names_;  // without "timestamp"
};

}  // namespace ds::stats
