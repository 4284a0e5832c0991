// Linked into resilience_test and upstream_test, only in ThreadSanitizer
// builds (lipsync_tsan_sees_absl_mutex in tests/CMakeLists.txt). Debian's
// Abseil is compiled without TSan, so TSan never sees absl::Mutex lock or
// unlock and reports every access guarded by one as a race. The linker's --wrap
// sends this binary's calls to the few Mutex and CondVar functions it uses
// through these wrappers, which tell TSan about the acquire and release with
// its public mutex annotations. Only the functions this binary calls are
// wrapped; calls made inside Abseil's own library (e.g. absl::Barrier's) stay
// invisible. The mangled names carry Debian's inline namespace (absl::debian3).
#include <sanitizer/tsan_interface.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace {

void AnnotateLock(void* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  __tsan_mutex_post_lock(mu, 0, 0);
}

void AnnotateUnlock(void* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __tsan_mutex_post_unlock(mu, 0);
}

}  // namespace

// NOLINTBEGIN(readability-identifier-naming): names the linker dictates.
extern "C" {

void __real__ZN4absl7debian35Mutex4LockEv(absl::Mutex* mu);
void __real__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* mu);
void __real__ZN4absl7debian35MutexD1Ev(absl::Mutex* mu);
void __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* cv,
                                                       absl::Mutex* mu);
bool __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(
    absl::CondVar* cv, absl::Mutex* mu, absl::Time deadline);

void __wrap__ZN4absl7debian35Mutex4LockEv(absl::Mutex* mu) {
  __tsan_mutex_pre_lock(mu, 0);
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  __tsan_mutex_post_lock(mu, 0, 0);
}

void __wrap__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* mu) {
  __tsan_mutex_pre_unlock(mu, 0);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
  __tsan_mutex_post_unlock(mu, 0);
}

// The CondVar waits release the mutex while they wait and hold it again when
// they return. (Mutex::Await and LockWhen are not wrapped: absl evaluates
// their Conditions on whichever thread holds the lock, which these
// annotations cannot express; this binary does not use them.)
void __wrap__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* cv,
                                                       absl::Mutex* mu) {
  AnnotateUnlock(mu);
  __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(cv, mu);
  AnnotateLock(mu);
}

bool __wrap__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(
    absl::CondVar* cv, absl::Mutex* mu, absl::Time deadline) {
  AnnotateUnlock(mu);
  const bool timed_out =
      __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(
          cv, mu, deadline);
  AnnotateLock(mu);
  return timed_out;
}

void __wrap__ZN4absl7debian35MutexD1Ev(absl::Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  __real__ZN4absl7debian35MutexD1Ev(mu);
}

}  // extern "C"
// NOLINTEND(readability-identifier-naming)
