#pragma once
// Symmetric minmax -> scale (reference §2.1) and the two power-of-two roundings the
// calibration algorithms use. All arithmetic is double, as esp-ppq does it in Python.
#include <cstdint>

namespace qtune::calib {

// OBSERVER_MIN_SCALE (reference Appendix A): every rendered scale is at least this.
inline constexpr double kMinScale = 1e-8;

// §2.1: mn = min(mn, 0), mx = max(mx, 0), s = 2·max(|mn|, |mx|) / (qmax − qmin),
// s = max(s, min_scale). int8: an absmax of 1.0 gives 2/255.
double minmax_to_scale(double mn, double mx, std::int64_t quant_min, std::int64_t quant_max,
                       double min_scale = kMinScale);

// ceil(log2 s): pow2-ceil (ROUND_UP in the log2 domain; exact powers of two stay).
// Used by minmax, percentile and mse. Throws qtune::Error when s is not finite and > 0.
int pow2_ceil_exponent(double s);

// log2 of the rendered scale `s` as the config wants it: the exact log2 for a Linear config,
// else the power-of-two exponent `pow2` (one of the two roundings below) computes.
double rendered_log2(double s, bool linear, int (*pow2)(double));

// floor(log2 s + 1/2) with ties toward +inf, decided on the exact double log2 (Errata 7):
// frac = log2 s − floor(log2 s) is exact, and frac >= 0.5 rounds up. Used by kl.
int pow2_nearest_exponent(double s);

}  // namespace qtune::calib
