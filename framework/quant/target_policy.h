#pragma once
// TargetPolicy: what an ESP-DL target quantizes and how (reference §1.1-§1.4, §3.9).
// Built from the target string ("esp32p4", "esp32s3", "c", ...) and the global bit width;
// per-op int16 comes from the dispatching table (op name -> bits).
//
// One target is NOT an ESP-DL chip: "linear" — the generic C op set (as "c"), symmetric
// int8/int16, per-channel Conv/ConvTranspose/Gemm weights and biases (as esp32p4), banker's
// rounding, and float32 (non-power-of-two) scales. It exists so that LSQ, which trains
// scales only where they are not powers of two (reference §3.5), is a real, tested pass; a
// model quantized for it cannot be exported to .espdl.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qtune/graph.h"
#include "qtune/quant_config.h"

namespace qtune {

enum class TargetFamily { P4, S3, C, Linear };

// The esp-ppq TargetPlatform of an op (its int value is what esp-ppq's dispatching table stores).
enum class EspdlPlatform : int {
  Fp32 = 0,
  Int8 = 551, Int16 = 552, S3Int8 = 553, S3Int16 = 554, HPreInt16 = 555, S3HPreInt16 = 556,
  CInt8 = 557, CInt16 = 558, CHPreInt16 = 559,
};

class TargetPolicy {
 public:
  // Unknown target or bits not in {8, 16} -> InputError listing what is known.
  static TargetPolicy from_target(const std::string& target, int bits = 8);
  static const std::vector<std::string>& known_targets();

  const std::string& target() const { return target_; }
  TargetFamily family() const { return family_; }
  int bits() const { return bits_; }
  // ESP-DL chips quantize POWER_OF_2; only the "linear" target has float scales.
  bool is_espdl() const { return family_ != TargetFamily::Linear; }
  ScaleKind scale_kind() const { return is_espdl() ? ScaleKind::PowerOf2 : ScaleKind::Linear; }
  // Conv/ConvTranspose/Gemm weights (and their biases) per output channel: esp32p4/s31, linear.
  bool per_channel_weights() const { return family_ == TargetFamily::P4 || family_ == TargetFamily::Linear; }
  // Rounding of every config of this quantizer, whatever an op's platform (§1.2); linear:
  // torch's round (half to even), esp-ppq's default.
  Rounding rounding() const {
    return family_ == TargetFamily::P4 || family_ == TargetFamily::Linear ? Rounding::HalfEven : Rounding::HalfUp;
  }
  // Bias bits for data bits 8/16 on this family: P4 32/40, S3 20/40, C and linear 32/64.
  int bias_bits(int data_bits) const;
  // Throws Error on the linear target (no ESP-DL platform).
  EspdlPlatform platform(int data_bits) const;

  // Dispatching table: op name -> 8 or 16 (reference §3.9). Throws InputError on other bits.
  void dispatch(const std::string& op_name, int bits);
  const std::map<std::string, int>& dispatching_table() const { return dispatch_; }
  // Data bits of an op that is quantized (table entry, else the global bits).
  int op_bits(const Op& op) const;
  // Whether the op is quantized at all ("allin" dispatcher: type in the quantizable set).
  bool is_quantized(const Op& op) const { return is_quantizable_type(op.type); }

  // Per-channel weight axis of input 1 of `op` on this target, or nullopt (per-tensor).
  // P4 and linear only: Conv 0, ConvTranspose 1, Gemm 0 if transB == 1 else 1; never MatMul.
  std::optional<int> weight_channel_axis(const Op& op) const;
  // Observer of a parameter input's config (P4 per-channel weights: minmax; else percentile).
  std::string parameter_observer(const Op& op, std::size_t input) const;

  // esp-ppq's `convtranspose_decomposition` (QuantizationSetting, default True): rewrite
  // each ConvTranspose as InsertZeros + Conv before quantization
  // (quant/conv_transpose_decomposition.h). ESP-DL has no ConvTranspose module, so a model
  // quantized with it off cannot be deployed; the switch is for comparisons and tests.
  bool convtranspose_decomposition() const { return convtranspose_decomposition_; }
  void set_convtranspose_decomposition(bool on) { convtranspose_decomposition_ = on; }

  static bool is_quantizable_type(const std::string& type);   // §1.3
  static bool is_passive_type(const std::string& type);       // §1.4 PASSIVE_OPERATIONS
  static bool is_computing_type(const std::string& type);     // COMPUTING_OP
  // FP32 socket from esp-ppq's op socket table and the §1.4 special cases: never quantized.
  static bool is_fp32_input(const Op& op, std::size_t index);
  static bool is_fp32_output(const Op& op, std::size_t index);
  // KL histogram bins for a data width: 32 * 2^(bits-1) (4096 int8, 1048576 int16).
  static std::int64_t kl_bins(int bits) { return std::int64_t{32} << (bits - 1); }
  static std::int64_t quant_min(int bits) { return -(std::int64_t{1} << (bits - 1)); }
  static std::int64_t quant_max(int bits) { return (std::int64_t{1} << (bits - 1)) - 1; }

 private:
  std::string target_;
  TargetFamily family_ = TargetFamily::P4;
  int bits_ = 8;
  std::map<std::string, int> dispatch_;
  bool convtranspose_decomposition_ = true;
};

}  // namespace qtune
