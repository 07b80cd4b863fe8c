#pragma once
// Schema entries the training passes (tqt, lsq, blockwise) share with the same meaning and
// text: esp-ppq's common training settings. Each pass adds its own (lr, gamma, ...).
#include <cstdint>
#include <string>
#include <vector>

#include "qtune/options.h"

namespace qtune::blocks {

inline OptionSpec steps_option(std::int64_t fallback) {
  return make_option("steps", OptionType::Int, fallback, "Adam steps per block, one calibration batch per step (cycling)",
                     1.0);
}

inline OptionSpec block_size_option() {
  return make_option("block_size", OptionType::Int, std::int64_t{4},
                     "how deep below its first computing op a block may reach (§3.6)", 1.0);
}

inline OptionSpec collecting_device_option() {
  return make_option("collecting_device", OptionType::String, std::string("cuda"),
                     "accepted for esp-ppq compatibility and ignored: qtune trains on the CPU and keeps the block data "
                     "in memory");
}

inline OptionSpec interested_layers_option() {
  return make_option("interested_layers", OptionType::StringList, std::vector<std::string>{},
                     "train only the blocks holding one of these ops (names from simplified_ops.json); empty: every "
                     "block");
}

}  // namespace qtune::blocks
