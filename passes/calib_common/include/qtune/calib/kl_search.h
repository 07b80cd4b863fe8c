#pragma once
// The KL-divergence threshold search of the kl observer (reference §2.4 render, Errata 3/7).
#include <cstdint>
#include <span>
#include <vector>

namespace qtune::calib {

// Default histogram size for a b-bit tensor: 32·2^(b−1) (4096 int8, 1 048 576 int16), as
// EspdlQuantizer sets OBSERVER_KL_HIST_BINS_MANUL_OVERRIDE on every activation.
std::int64_t kl_default_bins(int bits);

struct KlSearch {
  std::int64_t best_bins = 0;                // L with the smallest KL (smallest L on ties)
  std::vector<std::int64_t> candidates;      // L = Qb, 2Qb, ..., B
  std::vector<double> divergences;           // KL(P_L || Q_L), one per candidate
};

// Search over the histogram `counts` (B bins) for a b-bit target:
//  1. bins [0, int(0.002·B)) are zeroed and bin int(0.002·B) set to 1;
//  2. for L = Qb, 2Qb, ..., B (Qb = 2^(b−1)): P = hist[0:L] with the tail Σ hist[L:] added to
//     P[L−1], divided by the total; Q = hist[0:L] in Qb groups of L/Qb bins, each non-zero bin
//     replaced by its group's sum / (non-zero count), normalised by its own sum;
//  3. KL = Σ P_i (log10(P_i + 1e-30) − log10(Q_i + 1e-30)) in double.
// P and Q are float32 (Errata 3), built with float32 element operations like torch. Sums of
// float32 values are taken exactly (in double) and rounded once to float32; torch reduces in
// float32 in its own (vector-width dependent) order. The sums of the integer histogram are
// equal either way while they stay below 2^24; only Σ Q can differ by an ulp.
// B must be a positive multiple of Qb (the reference fails otherwise).
KlSearch kl_search(std::span<const std::int64_t> counts, int bits);

// Scale for threshold L: (L / B) · hist_scale · (B / Qb) in double, the reference's
// expression (= L·hist_scale / 2^(b−1)), then floored at min_scale (not yet rounded).
double kl_scale(std::int64_t best_bins, std::int64_t bins, double hist_scale, int bits, double min_scale);

}  // namespace qtune::calib
