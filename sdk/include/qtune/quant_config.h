#pragma once
// TensorQuantConfig: how one tensor is quantized on the device. The quantizer
// (framework/quant/quantizer.h) attaches one to every quantized variable; a null slot
// means "stays float".
//
// How qtune represents esp-ppq's per-socket configs (reference §1.5, §3.8, §6.2):
//
// * One TensorQuantConfig object per esp-ppq *dominance group* (union-find root). Every
//   slot that shares that exponent (a Conv output fused into its Relu, the input and
//   output of a passive op, a consumer input merged into its producer's output) holds the
//   SAME shared_ptr. Graph copies keep the sharing.
// * Variable::quant is the config of the value as it is produced (the producer's output
//   socket); for a graph input or a parameter, the config of its first quantized consumer.
// * Op::input_quant[i] is set when consumer input i does NOT simply share its producer's
//   output config: an int8<->int16 boundary (requantize at this input), a graph input or
//   the output of a float op (quantize at this input), or an input socket esp-ppq fused
//   elsewhere (e.g. the input of a Relu whose producer is not fused with it).
// * `applied_at` says where a config is applied — exactly once, as esp-ppq's executor does:
//     "<variable name>"       at the output of that variable's producer;
//     "<op name>#<index>"     at input <index> of that op (consumer-side config, parameter).
//   Any other slot holding the config is OVERLAPPED in esp-ppq terms: it reads the
//   exponent but does not quantize again (framework/quant/quant_hook.h applies this rule).
// * A PASSIVE config (bias, Clip min/max, Pad value, an aligned input) is its own object
//   whose exponent is derived from its master(s); it is PassiveInit until the master is
//   calibrated. framework/quant/quantizer.h: update_passive_configs() re-derives them.
// * Alignment (esp-ppq `slave.master_by = master`, QuantAlignmentPass) sets `master`: the
//   config then takes the master's exponents (following chains of masters) every time
//   passive configs are re-derived, and stays applied at its own applied_at — at an
//   aligned consumer input that is a requantization from the producer's exponent.
// * Scales are powers of two (`exponents`) on every ESP-DL target: the chip shifts, it never
//   multiplies by a float scale. A Linear config (the non-ESP-DL "linear" target, where LSQ
//   trains scales) holds a float scale per tensor or channel in `scales` instead and no
//   exponent; everything that reads `exponents` either handles Linear or refuses it by name
//   (the .espdl exporter refuses it).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qtune {

enum class Rounding : std::uint8_t { HalfEven, HalfUp };

enum class QuantState : std::uint8_t {
  Float,        // not quantized (pass-through); esp-ppq FP32 sockets (Reshape shape, Softmax out)
  Initial,      // quantized, exponent not yet chosen
  Calibrated,   // exponent chosen by a calibration algorithm or a training pass (ACTIVATED)
  Passive,      // exponent derived from another config (bias = input + weight, alignment)
  Baked,        // parameter already stored as integers times 2^exponent
  PassiveInit,  // passive, master not calibrated yet: not applied (esp-ppq PASSIVE_INIT)
};

// How a config's scale is represented (esp-ppq's POWER_OF_2 policy property, or its absence).
enum class ScaleKind : std::uint8_t {
  PowerOf2,  // scale = 2^exponent (ESP-DL)
  Linear,    // scale = a float32 value (not an ESP-DL form)
};

struct TensorQuantConfig {
  int bits = 8;                          // 8/16 data, 20/32/40/64 bias
  ScaleKind scale_kind = ScaleKind::PowerOf2;
  std::vector<int> exponents;            // PowerOf2: scale = 2^exponent; one per channel when per-channel
  std::vector<float> scales;             // Linear: scale per channel (one when per-tensor); PowerOf2: empty
  int channel_axis = -1;                 // -1: per-tensor
  Rounding rounding = Rounding::HalfEven;
  std::int64_t quant_min = -128;
  std::int64_t quant_max = 127;
  QuantState state = QuantState::Initial;
  std::string algorithm;                 // what produced the exponent: "kl", "minmax", "tqt", ...
  std::string observer;                  // calibration observer requested for this tensor
  std::string applied_at;                // where it is applied once (see the top of this file)
  // Alignment master: this config's exponents are the master's (state Passive). Null otherwise.
  std::shared_ptr<const TensorQuantConfig> master;

  bool per_channel() const { return channel_axis >= 0; }
  bool linear() const { return scale_kind == ScaleKind::Linear; }
  // Whether a scale has been chosen (exponents or scales, by kind), and how many.
  bool has_scale() const { return scale_count() > 0; }
  std::size_t scale_count() const { return linear() ? scales.size() : exponents.size(); }
  // Scale of channel c (0 when per-tensor) as a float32: 2^exponent or the linear scale.
  float scale(std::size_t c) const { return linear() ? scales.at(c) : std::ldexp(1.0f, exponents.at(c)); }
  bool is_active() const { return state == QuantState::Calibrated || state == QuantState::Passive; }
};

using QuantSlot = std::shared_ptr<TensorQuantConfig>;

}  // namespace qtune
