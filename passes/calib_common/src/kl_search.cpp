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

// Σ P_i (log10 P_i − log10 Q_i) over the non-zero bins i < end, ascending, Q_i being its
// group's (i / ratio). Not inlined, so the sum stays in a register (inlined, GCC 12 kept it
// on the stack: a store and a reload in every step of the chain, most of the search's time).
[[gnu::noinline]] double p_log_ratio_sum(const std::vector<std::int64_t>& nonzero_bins, std::int64_t end,
                                         std::int64_t ratio, const float* p, const double* log_p,
                                         const double* log_q_group) {
  double kl = 0.0;
  std::int64_t group = 0, group_end = ratio;  // the group of bin i, tracked instead of divided
  for (const std::int64_t i : nonzero_bins) {
    if (i >= end) break;
    while (i >= group_end) ++group, group_end += ratio;
    kl += static_cast<double>(p[i]) * (log_p[i] - log_q_group[group]);
  }
  return kl;
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

  // suffix[i] = Σ h[i:] and prefix[i] = Σ h[:i] exactly (integers in double), and the
  // number of non-zero bins before i.
  std::vector<double> suffix(static_cast<std::size_t>(b) + 1, 0.0);
  for (std::int64_t i = b - 1; i >= 0; --i) suffix[i] = suffix[i + 1] + static_cast<double>(h[i]);
  std::vector<double> prefix(static_cast<std::size_t>(b) + 1, 0.0);
  std::vector<std::int64_t> nonzero_before(static_cast<std::size_t>(b) + 1, 0);
  std::vector<std::int64_t> nonzero_bins;  // indices of the bins with h > 0, ascending
  for (std::int64_t i = 0; i < b; ++i) {
    prefix[i + 1] = prefix[i] + static_cast<double>(h[i]);
    nonzero_before[i + 1] = nonzero_before[i] + (h[i] > 0.0f ? 1 : 0);
    if (h[i] > 0.0f) nonzero_bins.push_back(i);
  }
  const float total = static_cast<float>(suffix[0]);

  // P_i = h_i / total for i < L−1 does not depend on L: its log10 term is computed once
  // (only where h_i > 0: a zero P_i adds nothing to any divergence).
  std::vector<float> p(static_cast<std::size_t>(b));
  std::vector<double> log_p(static_cast<std::size_t>(b));
  for (std::int64_t i = 0; i < b; ++i) {
    p[i] = h[i] / total;
    if (h[i] > 0.0f) log_p[i] = std::log10(static_cast<double>(p[i]) + kKlLogEps);
  }

  // The reference builds Q bin by bin; the same values come from per-group figures:
  //  - a group's sum of h (integers, exact in double either way) and its non-zero count
  //    from the prefix arrays;
  //  - every non-zero bin of a group holds the group's mean, so Q_i = mean / ΣQ and its
  //    log10 are one value per group; a zero bin has Q_i = 0 / ΣQ;
  //  - ΣQ adds the mean once per non-zero bin, groups in order: the same additions in the
  //    same order as the bin loop;
  //  - the divergence adds the terms of the non-zero P_i in ascending i, then P[L−1]
  //    (zero P_i are skipped there too).
  // So every candidate's divergence is bit-identical to the bin-by-bin computation.
  KlSearch out;
  std::vector<float> group_mean(static_cast<std::size_t>(qb));
  std::vector<std::int64_t> group_nonzero(static_cast<std::size_t>(qb));
  std::vector<double> log_q_group(static_cast<std::size_t>(qb));
  double best = 0.0;
  for (std::int64_t l = qb; l <= b; l += qb) {
    const std::int64_t ratio = l / qb;
    double q_sum = 0.0;
    for (std::int64_t g = 0; g < qb; ++g) {
      const std::int64_t lo = g * ratio, hi = (g + 1) * ratio;
      const double group_sum = prefix[hi] - prefix[lo];
      const std::int64_t nonzero = nonzero_before[hi] - nonzero_before[lo];
      const float mean = static_cast<float>(group_sum) / static_cast<float>(nonzero == 0 ? 1 : nonzero);
      group_mean[g] = mean;
      group_nonzero[g] = nonzero;
      for (std::int64_t k = 0; k < nonzero; ++k) q_sum += static_cast<double>(mean);
    }
    const float q_total = static_cast<float>(q_sum);
    // Only the log10 of a group with a non-zero bin is ever read.
    for (std::int64_t g = 0; g < qb; ++g)
      if (group_nonzero[g] > 0) log_q_group[g] = std::log10(static_cast<double>(group_mean[g] / q_total) + kKlLogEps);
    const double log_q_empty = std::log10(static_cast<double>(0.0f / q_total) + kKlLogEps);

    // P[L−1] carries the clipped tail.
    const float p_last_count = h[l - 1] + static_cast<float>(suffix[l]);
    const float p_last = p_last_count / total;

    double kl = p_log_ratio_sum(nonzero_bins, l - 1, ratio, p.data(), log_p.data(), log_q_group.data());
    if (p_last != 0.0f) {
      const double lq = h[l - 1] > 0.0f ? log_q_group[(l - 1) / ratio] : log_q_empty;
      kl += static_cast<double>(p_last) * (std::log10(static_cast<double>(p_last) + kKlLogEps) - lq);
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
