// qtune's rule for noisy metrics (docs/search.md): a top-1 measured on a few hundred
// images moves by whole images, so two iterations whose difference is within the
// sampling error of that difference are a tie, not an improvement.
#include <cmath>

#include "qtune/history.h"

namespace qtune {

std::optional<double> metric_standard_error(const IterationRow& row) {
  const auto& explicit_error = row.field("standard_error");
  if (json_finite(&explicit_error)) return explicit_error.GetDouble();
  const auto n = row.samples();
  if (!n || !row.has_finite_value()) return std::nullopt;
  const double v = row.value();
  // A proportion: a fraction in [0, 1] or a percentage in (1, 100].
  if (v >= 0.0 && v <= 1.0) return std::sqrt(v * (1.0 - v) / *n);
  if (v > 1.0 && v <= 100.0) {
    const double p = v / 100.0;
    return 100.0 * std::sqrt(p * (1.0 - p) / *n);
  }
  return std::nullopt;
}

int compare_beyond_noise(const IterationRow& a, const IterationRow& b, const std::string& direction,
                         const NoiseRule& rule) {
  if (!a.has_finite_value() || !b.has_finite_value()) return 0;
  const double diff = direction == "min" ? b.value() - a.value() : a.value() - b.value();
  double margin = 0.0;
  if (rule.enabled) {
    const auto ea = metric_standard_error(a), eb = metric_standard_error(b);
    if (ea && eb) margin = rule.sigmas * std::sqrt(*ea * *ea + *eb * *eb);
  }
  if (diff > margin) return 1;
  if (diff < -margin) return -1;
  return 0;
}

}  // namespace qtune
