#pragma once
// including_act: the per-channel max |output| of layers over the calibration batches
// (esp-ppq's collect_activations: the float graph on up to 18 batches — its loop breaks
// after index 17 — max over every axis but the channel axis 1, then over batches).
#include <map>
#include <vector>

#include "qtune/pass.h"

namespace qtune::equalization {

// esp-ppq passes steps=16 and breaks once the batch index exceeds it: 18 batches.
inline constexpr std::size_t kActivationBatches = 18;

struct ActivationRanges {
  std::map<const Op*, std::vector<float>> max_abs;  // per output channel (axis 1)
  std::size_t batches = 0;
};

// Runs context.graph() (float: PreQuantize) on the first kActivationBatches calibration
// batches and records output 0 of each op in `ops`.
ActivationRanges collect_activation_ranges(PassContext& context, const std::vector<const Op*>& ops);

}  // namespace qtune::equalization
