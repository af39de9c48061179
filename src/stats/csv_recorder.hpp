// SELKIES_ENABLE_WEBRTC_STATISTICS: the client's `_stats_video` / `_stats_audio` report lists
// written as CSV files, as Selkies writes them: per connection one pair
// selkies-stats-{video,audio}-<YYYY-mm-dd:HH:MM:SS>.csv in SELKIES_WEBRTC_STATISTICS_DIR, a
// header row ("timestamp" and one column per flattened field) and one row per message.
//
// Bounded, since a client decides what it sends: each file stops at Limits::max_file_bytes, all
// files of the process together at Limits::total_bytes (one log line each time a bound is hit);
// a row with new columns rewrites its file with the wider header only while the file is under
// Limits::rewrite_max_bytes, else the file continues as a new part (<name>-part2.csv, ...).
// Main-thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "stats/csv_format.hpp"

namespace ds::stats {

struct Limits {
  uint64_t max_file_bytes = 64ull << 20;
  uint64_t total_bytes = 512ull << 20;
  uint64_t rewrite_max_bytes = 1ull << 20;
  size_t max_columns = 2048;
  int max_parts = 16;  // per file name
};

// Checks that `dir` exists and is a writable directory (startup: names the variable).
Status checkDirectory(const std::string& dir);

class Recorder;

// One connection's pair of files, named when the connection starts, created at the first row.
class ConnectionCsv {
 public:
  ~ConnectionCsv();
  // One `_stats_video` (audio=false) or `_stats_audio` payload. Errors are for logging only.
  Status add(bool audio, std::string_view json_array);
  // The same, for a report list already flattened (input::parseClientStats).
  Status add(bool audio, const Flat& flat);
  std::string path(bool audio) const;

  struct File;

 private:
  friend class Recorder;
  ConnectionCsv(Recorder& recorder, std::string video_base, std::string audio_base);
  Recorder& recorder_;
  std::unique_ptr<File> video_;
  std::unique_ptr<File> audio_;
};

class Recorder {
 public:
  Recorder(std::string dir, Limits limits = {});
  // File names from the local time now (as Selkies, once per connection).
  std::unique_ptr<ConnectionCsv> open(std::chrono::system_clock::time_point now);
  uint64_t bytesWritten() const { return used_; }

 private:
  friend class ConnectionCsv;
  friend struct ConnectionCsv::File;
  bool take(uint64_t bytes);  // from the process-wide budget

  std::string dir_;
  Limits limits_;
  uint64_t used_ = 0;
  bool budget_logged_ = false;
};

}  // namespace ds::stats
