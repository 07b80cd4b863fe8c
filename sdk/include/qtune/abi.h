#pragma once
// The SDK's binary interface version. A plugin or contract records the value it was
// compiled with as the first field of its descriptor; the host refuses any other value.
// Bump it whenever a type in sdk/include/qtune/ changes layout or a virtual signature.
#include <cstdint>

namespace qtune {
inline constexpr std::uint32_t kAbiVersion = 4;  // 4: BlockTrainingSpec / BlockTrainingInfo gained learned rounding
}  // namespace qtune
