// CPU time (user + system) this process has used so far: what the bench
// programs that measure themselves read before and after their work.
#pragma once

#include <sys/resource.h>

namespace lipsync::bench {

inline double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

}  // namespace lipsync::bench
