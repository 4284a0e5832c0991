// Process-wide settings for the gateway binary. main() calls each once, first
// thing, before any thread starts; libraries and tests never need them.
// (Memory: the gateway links tcmalloc instead of tuning glibc's malloc; see
// LIPSYNC_TCMALLOC in the top-level CMakeLists.txt.)
#ifndef LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_
#define LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_

namespace lipsync {

// In Release builds (NDEBUG), stops absl::Mutex's lock-order graph
// (absl::OnDeadlockCycle::kIgnore). Debian builds Abseil without NDEBUG, so
// every Mutex otherwise keeps a global graph (2-3% of the gateway's CPU,
// `GraphCycles::GetId`) and a lock-order cycle aborts the process. Debug
// builds keep detection on, so tests still catch cycles. Returns true when
// detection was turned off.
bool DisableMutexDeadlockDetectionInRelease();

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_PROCESS_TUNING_H_
