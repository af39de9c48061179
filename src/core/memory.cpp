#include "core/memory.hpp"

// Any libc header defines __GLIBC__ (through <features.h>); without one the check below was
// always false and malloc_trim was never called.
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace ds::core {

bool disableTransparentHugePages() {
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
  return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
#else
  return false;
#endif
}

void releaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace ds::core
