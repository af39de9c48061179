#include "core/memory.hpp"

// Any libc header defines __GLIBC__ (through <features.h>); without one the check below was
// always false and malloc_trim was never called.
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ds::core {

void releaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace ds::core
