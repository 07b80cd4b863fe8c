#pragma once
// Lookup tables for quantized element-wise ops (reference §5.6, esp-ppq's AddLUTPattern):
// single-input single-output activation / math ops (Relu, Sigmoid, Tanh, HardSwish, Exp,
// ...), every Clip, and PRelu with one slope. Entry k is the op's float output at input
// k * 2^e_in (extra parameter inputs de-integerised with their exponents), integerised
// with the op's output config: 256 entries for S8 (k = -128..127), 257 for S16 with
// `int16_step` (k = -32768, -32768 + step, ..., 32768; ESP-DL interpolates nearest).
// The table is an initializer "<OpType>_lut_<i>" with the output exponent; the op gets
// attribute `lut` naming it (ESP-DL asserts the LUT exponent equals the output's).
#include "export/export_graph.h"

namespace qtune {

// int16_step <= 0: no tables for S16 ops (esp-ppq's int16_lut_step = -1).
void add_luts(ExportGraph& export_graph, int int16_step);

// Whether esp-ppq tabulates this op type / arity (before the quant_type check).
bool lut_candidate(const Op& op);

}  // namespace qtune
