// Which malloc the running process uses, for the startup log line: the
// gateway links tcmalloc (LIPSYNC_TCMALLOC: ~20% less CPU per call) except in
// sanitizer builds, and an operator should be able to see which it got.
#ifndef LIPSYNC_SERVICE_COMMON_ALLOCATOR_INFO_H_
#define LIPSYNC_SERVICE_COMMON_ALLOCATOR_INFO_H_

#include <string>

namespace lipsync {

// "tcmalloc (gperftools <version>)" when tcmalloc serves malloc in this
// process, else "glibc".
std::string ActiveAllocator();

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_ALLOCATOR_INFO_H_
