#include "topk_accuracy.h"

#include <cmath>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune::fashion_mnist {

std::int64_t label_rank(std::span<const float> logits, std::int64_t label) {
  const float mine = logits[static_cast<std::size_t>(label)];
  std::int64_t rank = 0;
  for (std::size_t c = 0; c < logits.size(); ++c) {
    if (!std::isfinite(logits[c])) throw Error(fmt::format("model output has a non-finite logit ({}) at class {}", logits[c], c));
    if (logits[c] > mine || (logits[c] == mine && static_cast<std::int64_t>(c) < label)) ++rank;
  }
  return rank;
}

void TopKAccuracy::add(const Tensor& logits, std::span<const std::uint8_t> labels, std::int64_t classes) {
  const auto expected = static_cast<std::int64_t>(labels.size()) * classes;
  if (logits.dtype() != DType::Float32 || logits.numel() != expected)
    throw Error(fmt::format("model output is {} {}, expected float32 [{}, {}] (class logits)", dtype_name(logits.dtype()),
                            shape_str(logits.shape()), labels.size(), classes));
  const float* row = logits.data<float>();
  for (std::size_t i = 0; i < labels.size(); ++i, row += classes) {
    const std::int64_t rank = label_rank({row, static_cast<std::size_t>(classes)}, labels[i]);
    top1_ += rank < 1;
    top5_ += rank < 5;
  }
  samples_ += static_cast<std::int64_t>(labels.size());
}

Metrics TopKAccuracy::metrics() const {
  const double n = samples_ > 0 ? static_cast<double>(samples_) : 1.0;
  return {{"top1", 100.0 * static_cast<double>(top1_) / n},
          {"top5", 100.0 * static_cast<double>(top5_) / n},
          {"samples", static_cast<double>(samples_)}};
}

}  // namespace qtune::fashion_mnist
