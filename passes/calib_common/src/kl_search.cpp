#include "qtune/calib/kl_search.h"

#include <cmath>
#include <string>

#include "qtune/error.h"

namespace qtune::calib {

namespace {
// The reference zeroes int(B·0.002) leading bins ("crucial, do not remove" in esp-ppq).
constexpr double kKlZeroedFraction = 0.002;
// eps inside log10 of torch_KL_divergence.
constexpr double kKlLogEps = 1e-30;

std::int64_t quant_bins_of(int bits) {
  if (bits < 2 || bits > 16)
    throw Error("kl: bit width " + std::to_string(bits) + " is outside [2, 16]");
  return std::int64_t{1} << (bits - 1);
}
}  // namespace

std::int64_t kl_default_bins(int bits) { return 32 * quant_bins_of(bits); }

KlSearch kl_search(std::span<const std::int64_t> counts, int bits) {
  const std::int64_t qb = quant_bins_of(bits);
  const auto b = static_cast<std::int64_t>(counts.size());
  if (b < qb || b % qb != 0)
    throw Error("kl: histogram of " + std::to_string(b) + " bins is not a positive multiple of 2^(bits-1) = " +
                std::to_string(qb));

  // histogram.float() and the leading-bin edit.
  std::vector<float> h(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) h[i] = static_cast<float>(counts[i]);
  const auto zeroed = static_cast<std::int64_t>(static_cast<double>(b) * kKlZeroedFraction);
  for (std::int64_t i = 0; i < zeroed; ++i) h[i] = 0.0f;
  h[zeroed] = 1.0f;

  // suffix[i] = Σ h[i:] exactly (integers in double).
  std::vector<double> suffix(static_cast<std::size_t>(b) + 1, 0.0);
  for (std::int64_t i = b - 1; i >= 0; --i) suffix[i] = suffix[i + 1] + static_cast<double>(h[i]);
  const float total = static_cast<float>(suffix[0]);

  // P_i = h_i / total for i < L−1 does not depend on L: its log10 term is computed once.
  std::vector<float> p(static_cast<std::size_t>(b));
  std::vector<double> log_p(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    p[i] = h[i] / total;
    log_p[i] = std::log10(static_cast<double>(p[i]) + kKlLogEps);
  }

  KlSearch out;
  std::vector<float> q;
  double best = 0.0;
  for (std::int64_t l = qb; l <= b; l += qb) {
    const std::int64_t ratio = l / qb;
    // Q: group means written back into the non-zero bins.
    q.assign(static_cast<std::size_t>(l), 0.0f);
    double q_sum = 0.0;
    for (std::int64_t g = 0; g < qb; ++g) {
      double group_sum = 0.0;
      std::int64_t nonzero = 0;
      for (std::int64_t j = g * ratio; j < (g + 1) * ratio; ++j) {
        group_sum += static_cast<double>(h[j]);
        nonzero += h[j] > 0.0f ? 1 : 0;
      }
      const float mean = static_cast<float>(group_sum) / static_cast<float>(nonzero == 0 ? 1 : nonzero);
      for (std::int64_t j = g * ratio; j < (g + 1) * ratio; ++j)
        if (h[j] > 0.0f) {
          q[j] = mean;
          q_sum += static_cast<double>(mean);
        }
    }
    const float q_total = static_cast<float>(q_sum);

    // P[L−1] carries the clipped tail.
    const float p_last_count = h[l - 1] + static_cast<float>(suffix[l]);
    const float p_last = p_last_count / total;

    double kl = 0.0;
    for (std::int64_t i = 0; i < l; ++i) {
      const float pi = i == l - 1 ? p_last : p[i];
      if (pi == 0.0f) continue;  // 0 · finite adds nothing
      const double lp = i == l - 1 ? std::log10(static_cast<double>(pi) + kKlLogEps) : log_p[i];
      const float qi = q[i] / q_total;
      kl += static_cast<double>(pi) * (lp - std::log10(static_cast<double>(qi) + kKlLogEps));
    }
    out.candidates.push_back(l);
    out.divergences.push_back(kl);
    if (out.best_bins == 0 || kl < best) {  // strict: the first (smallest) L wins ties
      best = kl;
      out.best_bins = l;
    }
  }
  return out;
}

double kl_scale(std::int64_t best_bins, std::int64_t bins, double hist_scale, int bits, double min_scale) {
  const double qb = static_cast<double>(quant_bins_of(bits));
  const double b = static_cast<double>(bins);
  const double scale = (static_cast<double>(best_bins) / b) * hist_scale * (b / qb);
  return min_scale > scale ? min_scale : scale;
}

}  // namespace qtune::calib
