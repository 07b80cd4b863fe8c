#pragma once
// ESP-DL weight layouts (reference §5.6, esp-ppq's ResetParamLayoutPattern), applied to
// the integer weights of quantized Conv / Gemm / MatMul:
//   P4 / S3  output channels re-blocked by A = 16 (S8) or 8 (S16): the first floor(N/A)*A
//            channels as [N/A][H][W][C][A], the remaining N mod A appended in NHWC order
//            (depthwise: as [C][H][W][n]); dims relabelled [H,W,C,N] (depthwise [H,W,N,C]).
//            Annotation "(N/16)HWC16", "(N/8)HWC8", "_UNALIGNED" when N mod A != 0.
//   C        NHWC memory, dims [H,W,C,N], "NHWC"; depthwise HWCN memory, dims [H,W,N,C], "HWCN".
//   Conv1d   the same with W only ("(N/16)WC16", "NWC", "WCN"; dims [W,C,N] / [W,N,C]).
//   Gemm     (alpha = beta = 1) B as [C,N] (transB cleared), laid out as a [N,C,1,1] filter.
//   MatMul   constant B [...,C,N]: every [C,N] matrix as a Gemm weight, original dims kept.
#include <string>

#include "export/export_graph.h"

namespace qtune {

struct WeightLayout {
  Tensor value;
  std::string annotation;
};

// `weight` [N,C,H,W] or [N,C,W] (any element type); group = 0 when the op has none.
WeightLayout conv_filter_layout(const Tensor& weight, std::int64_t group, TargetFamily family, int data_bits);
// `weight` as stored in the Gemm ([N,C] when trans_b, else [C,N]) -> dims [1,1,C,N].
WeightLayout gemm_weight_layout(const Tensor& weight, bool trans_b, TargetFamily family, int data_bits);
// Constant MatMul B [...,C,N] -> same dims, each matrix laid out as a Gemm weight.
WeightLayout matmul_weight_layout(const Tensor& weight, TargetFamily family, int data_bits);

// Applies the layouts to every quantized Conv / Gemm / MatMul of the export graph.
void reset_weight_layout(ExportGraph& export_graph);

}  // namespace qtune
