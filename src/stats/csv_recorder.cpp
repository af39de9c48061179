#include "stats/csv_recorder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/log.hpp"

namespace ds::stats {
namespace {

constexpr const char* kLog = "stats";

Status writeAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return {};
}

std::tm localTime(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm out{};
  localtime_r(&secs, &out);
  return out;
}

}  // namespace

Status checkDirectory(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return fail("SELKIES_WEBRTC_STATISTICS_DIR=\"" + dir + "\" is not valid: " +
                std::strerror(errno) + " (SELKIES_ENABLE_WEBRTC_STATISTICS=true writes there)");
  }
  if (!S_ISDIR(st.st_mode) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    return fail("SELKIES_WEBRTC_STATISTICS_DIR=\"" + dir +
                "\" is not valid: expected a writable directory "
                "(SELKIES_ENABLE_WEBRTC_STATISTICS=true writes there)");
  }
  return {};
}

struct ConnectionCsv::File {
  File(Recorder& r, std::string b) : recorder(r), base(std::move(b)) {}

  Recorder& recorder;
  std::string base;  // without ".csv"
  std::string path;  // empty until the first row
  Columns columns;
  uint64_t bytes = 0;
  int part = 1;
  bool full = false;

  void stop(const std::string& why) {
    if (!full) log::warn(kLog, (path.empty() ? base + ".csv" : path) + ": " + why);
    full = true;
  }

  bool budget(uint64_t more) {
    if (bytes + more > recorder.limits_.max_file_bytes) {
      stop("reached " + std::to_string(recorder.limits_.max_file_bytes) +
           " bytes; further statistics rows are not written");
      return false;
    }
    if (!recorder.take(more)) {
      full = true;
      return false;
    }
    return true;
  }

  // Creates a new file under a name no other file has (O_EXCL), with header and first row.
  Status create(const std::string& timestamp, const Flat& flat) {
    columns = Columns{};
    columns.merge(flat);
    const std::string text =
        csvLine(columns.header(), false) + csvLine(columns.row(timestamp, flat), true);
    const std::string stem = part == 1 ? base : base + "-part" + std::to_string(part);
    for (int n = 1; n <= 100; ++n) {
      const std::string candidate = stem + (n == 1 ? "" : "-" + std::to_string(n)) + ".csv";
      const int fd =
          ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno == EEXIST) continue;
      if (fd < 0) return fail(candidate + ": " + std::strerror(errno));
      path = candidate;
      bytes = 0;
      if (!budget(text.size())) {
        ::close(fd);
        return {};
      }
      auto st = writeAll(fd, text);
      ::close(fd);
      if (!st) return fail(path + ": " + st.error().message);
      bytes = text.size();
      return {};
    }
    return fail(stem + ".csv: 100 files of that name exist already");
  }

  Status append(const std::string& line) {
    if (!budget(line.size())) return {};
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(path + ": " + std::strerror(errno));
    auto st = writeAll(fd, line);
    ::close(fd);
    if (!st) return fail(path + ": " + st.error().message);
    bytes += line.size();
    return {};
  }

  // Rewrites the file with the wider header: earlier rows get NaN in the `added` new columns.
  Status rewrite(size_t added, const std::string& last_row) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path + ": cannot be read back");
    std::string text = csvLine(columns.header(), false);
    std::string suffix;
    for (size_t i = 0; i < added; ++i) suffix += ",NaN";
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (header) {
        header = false;
        continue;
      }
      text += line + suffix + "\r\n";
    }
    text += last_row;
    if (text.size() > bytes && !budget(text.size() - bytes)) return {};
    const std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fail(tmp + ": " + std::strerror(errno));
    auto st = writeAll(fd, text);
    ::close(fd);
    if (!st || ::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return fail(path + ": cannot be rewritten");
    }
    bytes = text.size();
    return {};
  }

  Status add(const std::string& timestamp, const Flat& flat) {
    if (full) return {};
    if (flat.size() + 1 < kMinColumns) return {};  // a partial list, as Selkies skips it
    if (path.empty()) return create(timestamp, flat);
    Columns wider = columns;
    const size_t added = wider.merge(flat);
    if (added == 0) return append(csvLine(columns.row(timestamp, flat), true));
    if (wider.names().size() > recorder.limits_.max_columns) {
      stop("more than " + std::to_string(recorder.limits_.max_columns) +
           " columns; further statistics rows are not written");
      return {};
    }
    if (bytes <= recorder.limits_.rewrite_max_bytes) {
      columns = std::move(wider);
      return rewrite(added, csvLine(columns.row(timestamp, flat), true));
    }
    if (part >= recorder.limits_.max_parts) {
      stop(std::to_string(part) + " parts written; further statistics rows are not written");
      return {};
    }
    ++part;  // too big to rewrite: continue in a new part with the new columns
    return create(timestamp, flat);
  }
};

ConnectionCsv::ConnectionCsv(Recorder& recorder, std::string video_base, std::string audio_base)
    : recorder_(recorder),
      video_(std::make_unique<File>(recorder, std::move(video_base))),
      audio_(std::make_unique<File>(recorder, std::move(audio_base))) {}

ConnectionCsv::~ConnectionCsv() = default;

std::string ConnectionCsv::path(bool audio) const { return (audio ? audio_ : video_)->path; }

Status ConnectionCsv::add(bool audio, std::string_view json_array) {
  File& file = audio ? *audio_ : *video_;
  if (file.full) return {};
  auto flat = flatten(json_array, recorder_.limits_.max_columns);
  if (!flat) return fail(flat.error().message);
  return file.add(rowTimestamp(localTime(std::chrono::system_clock::now())), *flat);
}

Status ConnectionCsv::add(bool audio, const Flat& flat) {
  File& file = audio ? *audio_ : *video_;
  if (file.full) return {};
  if (flat.size() > recorder_.limits_.max_columns) {
    return fail("more than " + std::to_string(recorder_.limits_.max_columns) + " columns");
  }
  return file.add(rowTimestamp(localTime(std::chrono::system_clock::now())), flat);
}

Recorder::Recorder(std::string dir, Limits limits) : dir_(std::move(dir)), limits_(limits) {}

std::unique_ptr<ConnectionCsv> Recorder::open(std::chrono::system_clock::time_point now) {
  const std::string ts = fileTimestamp(localTime(now));
  return std::unique_ptr<ConnectionCsv>(new ConnectionCsv(
      *this, dir_ + "/selkies-stats-video-" + ts, dir_ + "/selkies-stats-audio-" + ts));
}

bool Recorder::take(uint64_t bytes) {
  if (used_ + bytes > limits_.total_bytes) {
    if (!budget_logged_) {
      log::warn(kLog, "WebRTC statistics CSV files reached " + std::to_string(limits_.total_bytes) +
                          " bytes in total; no more rows are written until restart");
    }
    budget_logged_ = true;
    return false;
  }
  used_ += bytes;
  return true;
}

}  // namespace ds::stats
