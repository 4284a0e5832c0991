// lipsync-page-fault-cost: what a first touch of a fresh page costs on this
// machine, against a second touch of the same page. On a paravirtualized VM
// a page fault can cost tens of times what it costs on bare metal, which
// makes a fresh process's first calls (its heap faulting in) far dearer than
// its steady state; bench/run.sh prints the number beside each table
// (14-18 us on the bench VM, under 1 us on bare metal). Prints one JSON line:
//   {"first_touch_us":14.2,"second_touch_us":0.03,"pages":16384,"rounds":3}
// with the median of the rounds.
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <vector>

#include "bench/machine/own_cpu.h"

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kPages = 16384;  // 64 MiB a round
constexpr int kRounds = 3;

// Writes one byte per page; returns the CPU µs per page.
double TouchEveryPage(volatile char* bytes, char value) {
  const double start = lipsync::bench::OwnCpuSeconds();
  for (std::size_t i = 0; i < kPages * kPage; i += kPage) bytes[i] = value;
  return (lipsync::bench::OwnCpuSeconds() - start) * 1e6 / kPages;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  std::vector<double> first;
  std::vector<double> second;
  for (int round = 0; round < kRounds; ++round) {
    void* mapped = mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
      std::perror("lipsync-page-fault-cost: mmap");
      return 1;
    }
    // 4 KiB pages even where transparent huge pages are "always".
    madvise(mapped, kPages * kPage, MADV_NOHUGEPAGE);
    auto* bytes = static_cast<volatile char*>(mapped);
    first.push_back(TouchEveryPage(bytes, 1));
    second.push_back(TouchEveryPage(bytes, 2));
    munmap(mapped, kPages * kPage);
  }
  std::printf(
      "{\"first_touch_us\":%.2f,\"second_touch_us\":%.3f,\"pages\":%zu,"
      "\"rounds\":%d}\n",
      Median(first), Median(second), kPages, kRounds);
  return 0;
}
