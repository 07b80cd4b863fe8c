#pragma once
// The order-preserving scale sweep of the isotone observer (reference §2.6).
#include <cstdint>
#include <span>
#include <utility>

namespace qtune::calib {

// Result of the sweep over rows (L1, L2) = (largest, second largest).
struct IsotoneResult {
  bool fallback = false;    // no row gave an interval: minmax on [0, |L1 of the last row|]
  double log2_scale = 0.0;  // exact log2 of the float32 scale; an integer (pow2-ceil) on fallback
  float scale = 0.0f;       // the chosen scale (float32, as esp-ppq stores it)
  int best_count = 0;       // rows satisfied by the chosen scale
};

// Per row, with a1 = |L1|, a2 = |L2| (symmetric policy) in float32:
//   smin = max(a2 / float32(qmax − 0.51), 0), smax = 2·(a1 − max(a2, 0));
//   if smax > smin and a1 > 0: events (smin, +1) and (smax, −1).
// Events sorted by value, a −1 before a +1 at the same value (esp-ppq sorts the tuples
// (value, 'max'|'min') and 'max' < 'min'); the sweep keeps the first value where the running
// count reaches a new maximum. float32 arithmetic follows NumPy 2 (a Python float operand of
// a float32 scalar stays float32; NumPy 1.x computed smin in double).
// A chosen scale of 0 (rows whose L2 is 0) is raised to min_scale: esp-ppq keeps 0, which
// ESP-DL cannot export (log2 0). Fallback: minmax_to_scale(0, |L1 of the last row|) with
// pow2-ceil, since esp-ppq's fallback goes through minmax_to_scale with the POWER_OF_2 policy.
IsotoneResult isotone_search(std::span<const std::pair<float, float>> rows, std::int64_t quant_min,
                             std::int64_t quant_max, double min_scale);

}  // namespace qtune::calib
