#include "channel_statistics.h"

#include <algorithm>

#include <Eigen/Core>

#include "qtune/error.h"

namespace qtune::bias_correct {

std::vector<double> channel_means(const Tensor& output, const std::string& op_type) {
  const Shape& s = output.shape();
  const float* x = output.data<float>();
  if (op_type == "Conv" || op_type == "ConvTranspose") {
    if (s.size() < 2) throw Error(op_type + " output of shape " + shape_str(s) + " has no channel dim 1");
    const std::int64_t n = s[0], c = s[1], inner = output.numel() / std::max<std::int64_t>(1, n * c);
    std::vector<double> mean(static_cast<std::size_t>(c), 0.0);
    // One image-channel plane summed in double (vectorised), planes added in double.
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < c; ++k)
        mean[static_cast<std::size_t>(k)] += Eigen::Map<const Eigen::ArrayXf>(x + (i * c + k) * inner, inner).cast<double>().sum();
    const double count = static_cast<double>(n * inner);
    for (double& m : mean) m /= count;
    return mean;
  }
  if (op_type == "Gemm") {
    if (s.size() != 2) throw Error("Gemm output of shape " + shape_str(s) + " is not rank 2");
    const std::int64_t n = s[0], c = s[1];
    std::vector<double> mean(static_cast<std::size_t>(c), 0.0);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < c; ++k) mean[static_cast<std::size_t>(k)] += x[i * c + k];
    for (double& m : mean) m /= static_cast<double>(n);
    return mean;
  }
  throw Error("bias correction does not handle op type '" + op_type + "'");
}

double mean_squared_error(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw Error("block loss: output shapes differ, " + shape_str(a.shape()) + " vs " + shape_str(b.shape()));
  if (!a.numel()) return 0.0;
  const double sum = (a.flat().cast<double>() - b.flat().cast<double>()).square().sum();
  return sum / static_cast<double>(a.numel());
}

}  // namespace qtune::bias_correct
