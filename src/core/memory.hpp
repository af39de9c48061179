// Returning freed heap memory to the operating system.
#pragma once

namespace ds::core {

// Gives the pages of free heap memory back to the kernel (glibc malloc_trim), in every malloc
// arena. glibc keeps memory freed by other threads in their arenas and only shrinks a heap from
// its top, so after a pipeline's streaming and encoder threads have freed their frame buffers
// the RSS stays at its peak until this is called. Call it after large teardowns (a pipeline
// stopped), not per frame: it walks every arena. A no-op where malloc_trim does not exist.
void releaseFreeMemory();

}  // namespace ds::core
