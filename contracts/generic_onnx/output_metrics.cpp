#include "output_metrics.h"

#include <algorithm>
#include <cmath>

#include "qtune/error.h"

namespace qtune::generic_onnx {

namespace {
double percent(std::int64_t hits, std::int64_t total) {
  return total > 0 ? 100.0 * static_cast<double>(hits) / static_cast<double>(total) : 0.0;
}
}  // namespace

OutputRows OutputRows::first(std::int64_t n) const {
  n = std::min(n, samples);
  return {n, width, std::vector<float>(values.begin(), values.begin() + n * width)};
}

std::int64_t argmax(std::span<const float> row) {
  return std::max_element(row.begin(), row.end()) - row.begin();  // first of equal maxima
}

double top1_accuracy(const OutputRows& out, std::span<const std::int64_t> labels) {
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < out.samples; ++i) hits += argmax(out.row(i)) == labels[static_cast<std::size_t>(i)];
  return percent(hits, out.samples);
}

double snr_db(const OutputRows& out, const OutputRows& ref) {
  // Double accumulation: float sums over 10^6+ values lose the small noise term.
  double signal = 0.0, noise = 0.0;
  for (std::size_t i = 0; i < ref.values.size(); ++i) {
    const double r = ref.values[i], d = static_cast<double>(out.values[i]) - r;
    signal += r * r;
    noise += d * d;
  }
  if (signal == 0.0) throw Error("snr is undefined: the reference (float) outputs are all zero");
  if (noise == 0.0) return kMaxSnrDb;
  return std::min(kMaxSnrDb, 10.0 * std::log10(signal / noise));
}

double mean_cosine(const OutputRows& out, const OutputRows& ref) {
  double sum = 0.0;
  for (std::int64_t i = 0; i < ref.samples; ++i) {
    const auto a = out.row(i), b = ref.row(i);
    double dot = 0.0, aa = 0.0, bb = 0.0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      dot += static_cast<double>(a[k]) * b[k];
      aa += static_cast<double>(a[k]) * a[k];
      bb += static_cast<double>(b[k]) * b[k];
    }
    if (aa == 0.0 && bb == 0.0) sum += 1.0;
    else if (aa > 0.0 && bb > 0.0) sum += dot / std::sqrt(aa * bb);
  }
  return ref.samples > 0 ? sum / static_cast<double>(ref.samples) : 0.0;
}

double top1_agreement(const OutputRows& out, const OutputRows& ref) {
  std::int64_t same = 0;
  for (std::int64_t i = 0; i < ref.samples; ++i) same += argmax(out.row(i)) == argmax(ref.row(i));
  return percent(same, ref.samples);
}

}  // namespace qtune::generic_onnx
