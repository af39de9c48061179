#include "core/memory.hpp"

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
