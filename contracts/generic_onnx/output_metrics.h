#pragma once
// The generic contract's metrics over one graph output, each sample flattened to a row.
// Definitions (also in docs/contract_guide.md), all higher-is-better:
//   top1            % of samples whose argmax equals the label
//   snr             10*log10(sum ref^2 / sum (out-ref)^2) in dB over all samples, capped
//                   at kMaxSnrDb (identical outputs)
//   cosine          mean over samples of cos(out_i, ref_i); 1 when both rows are zero,
//                   0 when only one is
//   top1_agreement  % of samples whose argmax equals the reference's argmax
// argmax takes the first maximal index (numpy's rule).
#include <cstdint>
#include <span>
#include <vector>

namespace qtune::generic_onnx {

// Reported for identical outputs, where the noise power is 0 and the ratio infinite.
inline constexpr double kMaxSnrDb = 200.0;

struct OutputRows {
  std::int64_t samples = 0;
  std::int64_t width = 0;      // values per sample
  std::vector<float> values;   // samples * width, finite

  std::span<const float> row(std::int64_t i) const {
    return {values.data() + i * width, static_cast<std::size_t>(width)};
  }
  OutputRows first(std::int64_t n) const;  // the first n samples
};

std::int64_t argmax(std::span<const float> row);
// labels.size() == out.samples; every label in [0, out.width) (checked by the caller).
double top1_accuracy(const OutputRows& out, std::span<const std::int64_t> labels);
// out and ref have the same samples and width. snr throws when ref is all zeros.
double snr_db(const OutputRows& out, const OutputRows& ref);
double mean_cosine(const OutputRows& out, const OutputRows& ref);
double top1_agreement(const OutputRows& out, const OutputRows& ref);

}  // namespace qtune::generic_onnx
