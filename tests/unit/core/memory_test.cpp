// disableTransparentHugePages in a fresh process (a gtest death test in the "threadsafe" style
// re-runs the test binary for the one test): the setting is process-wide, and the other tests in
// this binary should run as they would without it.
#include "core/memory.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <thread>

namespace ds::core {
namespace {

int hugePagesOff() { return prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0); }

TEST(MemoryDeathTest, TransparentHugePagesOffForEveryThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  if (hugePagesOff() == 1) {
    GTEST_SKIP() << "huge pages are already off for this process (inherited from its parent), "
                    "so the change cannot be seen";
  }
  EXPECT_EXIT(
      {
        if (hugePagesOff() != 0) std::_Exit(2);
        const bool reported = disableTransparentHugePages();
        // The thread that called, and a thread started afterwards, both see the setting.
        int in_thread = -1;
        std::thread([&] { in_thread = hugePagesOff(); }).join();
        std::_Exit(reported && hugePagesOff() == 1 && in_thread == 1 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ds::core
