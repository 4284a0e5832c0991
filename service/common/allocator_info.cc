#include "service/common/allocator_info.h"

#include <dlfcn.h>

namespace lipsync {

std::string ActiveAllocator() {
  // Looked up at run time rather than linked, so that this library (and its
  // tests) need no tcmalloc: tcmalloc exports tc_version, glibc does not.
  using VersionFn = const char* (*)(int*, int*, const char**);
  auto* version =
      reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "tc_version"));
  if (version == nullptr) return "glibc";
  int major = 0;
  int minor = 0;
  const char* patch = nullptr;
  const char* text = version(&major, &minor, &patch);  // "gperftools 2.10"
  return text != nullptr ? std::string("tcmalloc (") + text + ")" : "tcmalloc";
}

}  // namespace lipsync
