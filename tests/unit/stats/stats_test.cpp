// The WebRTC statistics CSV: flattening and CSV format (pure), and the files with their bounds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stats/csv_format.hpp"
#include "stats/csv_recorder.hpp"

namespace ds::stats {
namespace {

namespace fs = std::filesystem;

// A report list like Chrome's getStats(): `n` reports of one type with `fields` fields each.
std::string reports(int n, int fields, const std::string& extra = "") {
  std::string out = "[";
  for (int r = 0; r < n; ++r) {
    out += std::string(r ? "," : "") + "{\"type\":\"inbound-rtp\",\"id\":\"IT" + std::to_string(r) +
           "\"";
    for (int f = 0; f < fields; ++f) out += ",\"f" + std::to_string(f) + "\":" + std::to_string(f);
    out += "}";
  }
  return out + extra + "]";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("ds_stats_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path path;
};

TEST(StatsCsv, FlattensLikeSelkies) {
  auto flat = flatten(R"([{"type":"codec","id":"C1","mimeType":"video/H264","clockRate":90000},)"
                      R"({"type":"codec","id":"C2","ok":true,"none":null,"jitter":0.5}])",
                      100);
  ASSERT_TRUE(flat) << flat.error().message;
  const Flat want = {
      {"codec.type", "codec"},      {"codec.id", "C1"},         {"codec.mimeType", "video/H264"},
      {"codec.clockRate", "90000"}, {"codec-C2.type", "codec"}, {"codec-C2.id", "C2"},
      {"codec-C2.ok", "True"},      {"codec-C2.none", "None"},  {"codec-C2.jitter", "0.5"}};
  EXPECT_EQ(*flat, want);
  EXPECT_FALSE(flatten("{}", 100));
  EXPECT_FALSE(flatten("[1]", 100));
  EXPECT_FALSE(flatten("[{\"type\":\"a\",\"x\":1}", 100));
  EXPECT_FALSE(flatten(reports(1, 20), 10)) << "column bound";
}

TEST(StatsCsv, LinesQuoteLikePythonCsvAndSelkies) {
  EXPECT_EQ(csvLine({"t", "a", "b,c", "say \"hi\"", "x;y", "l1\nl2"}, true),
            "t,a,\"b,c\",\"say \"\"hi\"\"\",\"\"\"x;y\"\"\",l1 l2\r\n");
  EXPECT_EQ(csvLine({"t", "x;y"}, false), "t,x;y\r\n");
  std::tm tm{};
  tm.tm_year = 126;
  tm.tm_mon = 11;
  tm.tm_mday = 2;
  tm.tm_hour = 22;
  tm.tm_min = 5;
  tm.tm_sec = 9;
  EXPECT_EQ(rowTimestamp(tm), "02/December/2026:22:05:09");
  EXPECT_EQ(fileTimestamp(tm), "2026-12-02:22:05:09");
}

TEST(StatsCsv, ColumnsMatchByNameAndFillNaN) {
  Columns c;
  EXPECT_EQ(c.merge({{"a", "1"}, {"b", "2"}}), 2u);
  EXPECT_EQ(c.merge({{"b", "3"}, {"c", "4"}}), 1u);
  EXPECT_EQ(c.header(), (std::vector<std::string>{"timestamp", "a", "b", "c"}));
  EXPECT_EQ(c.row("T", {{"c", "4"}, {"b", "3"}}), (std::vector<std::string>{"T", "NaN", "3", "4"}));
}

TEST(StatsCsv, WritesOnePairOfFilesPerConnection) {
  TempDir dir;
  Recorder recorder(dir.path.string());
  auto conn = recorder.open(std::chrono::system_clock::now());
  ASSERT_TRUE(conn->add(false, reports(2, 8)));
  ASSERT_TRUE(conn->add(false, reports(2, 8)));
  ASSERT_TRUE(conn->add(true, reports(1, 14)));
  EXPECT_FALSE(conn->add(true, "not json"));
  ASSERT_TRUE(conn->add(true, reports(1, 3))) << "a short list is skipped, not an error";
  const auto files = dir.files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename().string().rfind("selkies-stats-audio-", 0), 0u);
  EXPECT_EQ(files[1].filename().string().rfind("selkies-stats-video-", 0), 0u);
  EXPECT_EQ(files[1].string(), conn->path(false));
  const auto video = lines(slurp(files[1]));
  ASSERT_EQ(video.size(), 3u);
  EXPECT_EQ(video[0].rfind("timestamp,inbound-rtp.type,inbound-rtp.id,inbound-rtp.f0,", 0), 0u);
  EXPECT_NE(video[0].find(",inbound-rtp-IT1.f7\r"), std::string::npos) << video[0];
  EXPECT_NE(video[1].find(",inbound-rtp,IT0,0,1,"), std::string::npos) << video[1];
  EXPECT_EQ(lines(slurp(files[0])).size(), 2u) << "the 4-column list was skipped";
  // A second connection in the same second gets files of its own.
  auto other = recorder.open(std::chrono::system_clock::now());
  ASSERT_TRUE(other->add(false, reports(2, 8)));
  EXPECT_NE(other->path(false), conn->path(false));
  EXPECT_EQ(dir.files().size(), 3u);
}

TEST(StatsCsv, NewColumnsRewriteTheFileWithNaN) {
  TempDir dir;
  Recorder recorder(dir.path.string());
  auto conn = recorder.open(std::chrono::system_clock::now());
  ASSERT_TRUE(conn->add(false, reports(1, 14)));
  ASSERT_TRUE(conn->add(false, reports(1, 14, R"(,{"type":"track","frames":7})")));
  const auto rows = lines(slurp(conn->path(false)));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[0].find(",track.type,track.frames\r"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find(",13,NaN,NaN\r"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find(",13,track,7\r"), std::string::npos) << rows[2];
}

TEST(StatsCsv, FileAndTotalBytesAreBounded) {
  TempDir dir;
  Limits limits;
  limits.max_file_bytes = 4000;
  limits.total_bytes = 6000;
  limits.rewrite_max_bytes = 1000;
  Recorder recorder(dir.path.string(), limits);
  auto conn = recorder.open(std::chrono::system_clock::now());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(conn->add(false, reports(1, 20)));
  EXPECT_LE(fs::file_size(conn->path(false)), 4000u);
  EXPECT_GT(fs::file_size(conn->path(false)), 3000u);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(conn->add(true, reports(1, 20)));
  uint64_t total = 0;
  for (const auto& f : dir.files()) total += fs::file_size(f);
  EXPECT_LE(total, 6000u);
  EXPECT_EQ(total, recorder.bytesWritten());
}

TEST(StatsCsv, BigFilesContinueInANewPartWhenColumnsChange) {
  TempDir dir;
  Limits limits;
  limits.rewrite_max_bytes = 500;
  Recorder recorder(dir.path.string(), limits);
  auto conn = recorder.open(std::chrono::system_clock::now());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(conn->add(false, reports(1, 14)));
  const std::string first = conn->path(false);
  const auto before = fs::file_size(first);
  ASSERT_TRUE(conn->add(false, reports(1, 14, R"(,{"type":"track","frames":7})")));
  EXPECT_EQ(fs::file_size(first), before) << "not rewritten";
  EXPECT_NE(conn->path(false).find("-part2.csv"), std::string::npos) << conn->path(false);
  EXPECT_EQ(lines(slurp(conn->path(false))).size(), 2u);
}

TEST(StatsCsv, DirectoryMustBeWritable) {
  TempDir dir;
  EXPECT_TRUE(checkDirectory(dir.path.string()));
  auto missing = checkDirectory((dir.path / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("SELKIES_WEBRTC_STATISTICS_DIR"), std::string::npos);
  std::ofstream(dir.path / "file") << "x";
  EXPECT_FALSE(checkDirectory((dir.path / "file").string()));
  if (geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir.path / "ro");
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_FALSE(checkDirectory((dir.path / "ro").string()));
  }
}

}  // namespace
}  // namespace ds::stats
