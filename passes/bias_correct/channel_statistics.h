#pragma once
// The two statistics of esp-ppq's BiasCorrectionPass (reference §3.2), in double.
#include <string>
#include <vector>

#include "qtune/tensor.h"

namespace qtune::bias_correct {

// Per-output-channel mean of one batch's output of `op_type` (esp-ppq collect_bias):
// Conv / ConvTranspose: over every dim but 1; Gemm: over dim 0 (a rank-2 output).
// Throws qtune::Error naming the type and shape otherwise.
std::vector<double> channel_means(const Tensor& output, const std::string& op_type);

// mean((a - b)^2) over all elements (esp-ppq torch_mean_square_error); shapes must match.
double mean_squared_error(const Tensor& a, const Tensor& b);

}  // namespace qtune::bias_correct
