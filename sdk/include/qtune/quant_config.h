#pragma once
// TensorQuantConfig: how one tensor is quantized on the device. The quantizer (next
// milestone) attaches one to every quantized variable; a null slot means "stays float".
// Sharing an exponent (an activation fused into its producer, a passive op reusing its
// input's exponent) is expressed by two slots holding the same shared_ptr.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qtune {

enum class Rounding : std::uint8_t { HalfEven, HalfUp };

enum class QuantState : std::uint8_t {
  Float,        // not quantized (pass-through)
  Initial,      // quantized, exponent not yet chosen
  Calibrated,   // exponent chosen by a calibration algorithm or a training pass
  Passive,      // exponent derived from another config (bias = input + weight, alignment)
  Baked,        // parameter already stored as integers times 2^exponent
};

struct TensorQuantConfig {
  int bits = 8;                          // 8/16 data, 20/32/40/64 bias
  std::vector<int> exponents;            // scale = 2^exponent; one per channel when per-channel
  int channel_axis = -1;                 // -1: per-tensor
  Rounding rounding = Rounding::HalfEven;
  std::int64_t quant_min = -128;
  std::int64_t quant_max = 127;
  QuantState state = QuantState::Initial;
  std::string algorithm;                 // what produced the exponent: "kl", "minmax", "tqt", ...
  std::string observer;                  // calibration observer requested for this tensor

  bool per_channel() const { return channel_axis >= 0; }
  bool is_active() const { return state == QuantState::Calibrated || state == QuantState::Passive; }
};

using QuantSlot = std::shared_ptr<TensorQuantConfig>;

}  // namespace qtune
