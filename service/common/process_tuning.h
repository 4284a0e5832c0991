// Process-wide settings for the gateway binary. main() calls each once, first
// thing, before any thread starts; libraries and tests never need them.
#ifndef LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_
#define LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_

#include <cstddef>

namespace lipsync {

// Makes glibc serve every allocation of `threshold_bytes` or more with its
// own mmap, and keeps that threshold fixed (mallopt(M_MMAP_THRESHOLD)).
// By default glibc raises the threshold to the size of the first large
// block freed (5-7 MB here: audio, request protos, JSON bodies), after which
// those buffers come from the heap arenas and fragment them. Measured on S2
// (8 x 5 MB in flight): peak RSS 172-202 MB -> 146-148 MB
// (docs/PERFORMANCE.md, finding 6). Returns false when the C library
// refused it or is not glibc.
bool UseMmapForLargeAllocations(std::size_t threshold_bytes = 1 << 20);

// In Release builds (NDEBUG), stops absl::Mutex's lock-order graph
// (absl::OnDeadlockCycle::kIgnore). Debian builds Abseil without NDEBUG, so
// every Mutex otherwise keeps a global graph (2-3% of the gateway's CPU,
// `GraphCycles::GetId`) and a lock-order cycle aborts the process. Debug
// builds keep detection on, so tests still catch cycles. Returns true when
// detection was turned off.
bool DisableMutexDeadlockDetectionInRelease();

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_
