// Component test: every encoder deskstream offers goes through the startup probe and a
// pipeline start/stop cycle, and afterwards /dev/null is still the character device 1,3, no file
// appeared in /dev and nothing was written to the working directory.
//
// A regression (an encoder writing its statistics over /dev/null, as vp8enc first-pass did) would
// break the machine the test runs on when it runs as root. So, where the process may (root), it
// first moves into a private mount namespace with a private copy of /dev (a tmpfs holding the
// same device nodes): a regression then breaks only that copy, and the test still sees it. Without
// that permission the process cannot replace /dev/null anyway, and the real /dev is checked.
#include <fcntl.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "media/encoder_probe.hpp"
#include "media/encoder_profile.hpp"
#include "media/video_pipeline.hpp"

namespace fs = std::filesystem;

namespace ds::media {
namespace {

// Where the test runs: a private /dev (true) or the machine's own.
struct Sandbox {
  bool private_dev = false;
  std::string why_not;
  fs::path workdir;
};

Sandbox& sandbox() {
  static Sandbox s;  // test-binary state, set once in main() before any thread exists
  return s;
}

// Recreates `from`'s device nodes, directories and symlinks under `to` (one mount only: /dev/shm,
// /dev/pts and other mounts inside /dev are recreated as empty folders).
void copyDevTree(const fs::path& from, const fs::path& to, dev_t root_dev) {
  for (const auto& entry :
       fs::directory_iterator(from, fs::directory_options::skip_permission_denied)) {
    struct stat st {};
    if (lstat(entry.path().c_str(), &st) != 0) continue;
    const fs::path target = to / entry.path().filename();
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      fs::create_symlink(fs::read_symlink(entry.path(), ec), target, ec);
    } else if (S_ISDIR(st.st_mode)) {
      mkdir(target.c_str(), st.st_mode & 07777);
      if (st.st_dev == root_dev) copyDevTree(entry.path(), target, root_dev);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      mknod(target.c_str(), st.st_mode, st.st_rdev);
    }
  }
}

void enterPrivateDev() {
  Sandbox& s = sandbox();
  if (unshare(CLONE_NEWNS) != 0) {
    s.why_not = std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
    return;
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    s.why_not = std::string("making / private: ") + strerror(errno);
    return;
  }
  char tmpl[] = "/tmp/ds-hygiene-dev-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  struct stat devst {};
  stat("/dev", &devst);
  // Copy the nodes into a tmpfs first, then mount that tmpfs over /dev.
  if (mount("tmpfs", tmpl, "tmpfs", MS_NOSUID, "mode=755,size=4m") != 0) {
    s.why_not = std::string("tmpfs: ") + strerror(errno);
    rmdir(tmpl);
    return;
  }
  copyDevTree("/dev", tmpl, devst.st_dev);
  const bool moved = mount(tmpl, "/dev", nullptr, MS_MOVE, nullptr) == 0;
  if (!moved) {
    s.why_not = std::string("moving the private /dev into place: ") + strerror(errno);
    umount(tmpl);
  }
  rmdir(tmpl);
  s.private_dev = moved;
}

std::set<std::string> listTree(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) != 0) continue;
    // Name and kind: a device node turned into a regular file counts as a change.
    names.insert(it->path().string() + " " + std::to_string(st.st_mode & S_IFMT));
    if (it->is_directory() && it.depth() >= 2) it.disable_recursion_pending();
  }
  return names;
}

void iterate(int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(1000);
}

void expectDevNullIntact() {
  struct stat st {};
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null is no longer a character device";
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
}

TEST(EncoderHygiene, EveryEncoderLeavesDevAndWorkingDirectoryAlone) {
  std::cout << (sandbox().private_dev
                    ? "checking a private copy of /dev in a private mount namespace\n"
                    : "checking the machine's own /dev (no private copy: " + sandbox().why_not +
                          ")\n");
  expectDevNullIntact();
  const auto dev_before = listTree("/dev");
  int exercised = 0;
  for (const auto& encoder : selkiesEncoders()) {
    ASSERT_TRUE(hasProfile(encoder)) << encoder;
    EncodeParams params;
    params.framerate = 30;
    if (auto probed = probeEncoder(encoder, params); !probed) {
      std::cout << "SKIPPED " << encoder << ": not usable here (" << probed.error().message
                << ")\n";
      continue;
    }
    VideoOptions o;
    o.display = "";  // test pattern
    o.encoder = encoder;
    o.params = params;
    {
      auto p = VideoPipeline::start(o, [](std::string, bool) {});
      ASSERT_TRUE(p) << encoder << ": " << p.error().message;
      iterate(600);
      EXPECT_GT((*p)->encodedFrames(), 0u) << encoder;
    }  // stop: the pipeline goes to NULL and is freed here
    iterate(100);
    ++exercised;
    std::cout << encoder << ": probe and start/stop done\n";
    expectDevNullIntact();
  }
  EXPECT_GE(exercised, 2) << "x264enc and vp8enc at least are installed by scripts/deps.sh";
  EXPECT_EQ(listTree("/dev"), dev_before) << "a file appeared in (or vanished from) /dev";
  EXPECT_TRUE(fs::is_empty(sandbox().workdir)) << "something was written to the working directory";
}

}  // namespace
}  // namespace ds::media

int main(int argc, char** argv) {
  // Before any thread exists (unshare(CLONE_NEWNS) needs a single-threaded process).
  ds::media::enterPrivateDev();
  char tmpl[] = "/tmp/ds-hygiene-cwd-XXXXXX";
  if (mkdtemp(tmpl) == nullptr || chdir(tmpl) != 0) return 2;
  ds::media::sandbox().workdir = tmpl;
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  return rc;
}
