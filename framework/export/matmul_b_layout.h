#pragma once
// A quantized MatMul whose B is computed at run time (attention: Q·K^T, scores·V) needs B
// in the same memory order as a constant weight (weight_layout.h); esp-ppq inserts the
// nodes that produce it on the chip (reference §5.6, InsertPreNodeOfMatMulPattern).
// With B [..., C, N] and A = 16 (int8) or 8 (int16) lanes:
//   C targets        Transpose(..., -1, -2) -> Reshape to B's shape        ([N, C] memory)
//   P4/S3, N % A = 0 Reshape [..., C, N/A, A] -> Transpose(..., -2, -3, -1) -> Reshape back
//   P4/S3, else      B^T = Transpose(..., -1, -2); its first floor(N/A)*A rows sliced,
//                    blocked as [N/A, C, A], concatenated with the remaining rows of B^T,
//                    reshaped back to B's shape
// Every inserted node is quantized like the MatMul's input B (one exponent along the chain).
#include "export/export_graph.h"

namespace qtune {

void insert_matmul_b_layout(ExportGraph& export_graph);

}  // namespace qtune
