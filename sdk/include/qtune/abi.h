#pragma once
// The SDK's binary interface version. A plugin or contract records the value it was
// compiled with as the first field of its descriptor; the host refuses any other value.
// Bump it whenever a type in sdk/include/qtune/ changes layout or a virtual signature.
#include <cstdint>

namespace qtune {
// 4: BlockTrainingSpec / BlockTrainingInfo gained learned rounding.
// 5: TensorQuantConfig gained scale_kind + scales (linear, non-power-of-two scales);
//    BlockTrainingSpec gained train_linear_scales (LSQ).
// 6: Observer gained first_pass_order_free() (the driver may run first-pass batches
//    concurrently).
inline constexpr std::uint32_t kAbiVersion = 6;
}  // namespace qtune
