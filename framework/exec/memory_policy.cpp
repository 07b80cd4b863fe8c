#include "exec/memory_policy.h"

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace qtune {
namespace {
// Activations up to this size come from the heap instead of a fresh mmap per tensor
// (64 MiB: a batch-32 PP-OCR det activation is ~40 MiB); glibc's own dynamic threshold
// tops out at 32 MiB and, with the default trim threshold, hands the heap top back to
// the kernel between ops, so every run page-faults its activations in again (measured:
// 2x the forward time of the MobileNetV2 example at batch 32, docs/performance.md).
constexpr int kMmapThresholdBytes = 64 << 20;
constexpr int kMmapThresholdFallbackBytes = 32 << 20;  // the most older glibc accepts
// Freed heap memory is kept for the next run rather than trimmed (1 GiB).
constexpr int kTrimThresholdBytes = 1 << 30;
}  // namespace

void retain_activation_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    if (mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes) == 0) mallopt(M_MMAP_THRESHOLD, kMmapThresholdFallbackBytes);
    mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
#endif
  });
}

}  // namespace qtune
