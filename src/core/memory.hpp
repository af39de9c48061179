// How the process uses memory: a setting for a long-running server, and returning freed heap
// memory to the operating system.
#pragma once

namespace ds::core {

// Turns transparent huge pages off for the whole process (prctl PR_SET_THP_DISABLE: every
// thread, including those started later, and child processes). x264 asks for huge pages for its
// frame buffers (madvise), and a 2 MB huge page that is even partly in use stays resident whole:
// releaseFreeMemory cannot give it back, so over many viewers' pipelines the resident memory
// crept up by the huge pages left partly used. With them off the soak's idle memory stays within a
// few MB of its warm value, for about 1 point of a core more in x264's encode
// (docs/decisions/0010-no-transparent-huge-pages.md has the figures, and those of the malloc
// arena cap that was measured and not kept). Call once at startup, before any thread.
// Returns false where it is not available (not Linux, or a kernel before 3.15).
bool disableTransparentHugePages();

// Gives the pages of free heap memory back to the kernel (glibc malloc_trim), in every malloc
// arena. glibc keeps memory freed by other threads in their arenas and only shrinks a heap from
// its top, so after a pipeline's streaming and encoder threads have freed their frame buffers
// the RSS stays at its peak until this is called. Call it after large teardowns (a pipeline
// stopped), not per frame: it walks every arena. A no-op where malloc_trim does not exist.
void releaseFreeMemory();

}  // namespace ds::core
