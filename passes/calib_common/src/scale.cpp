#include "qtune/calib/scale.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "qtune/error.h"

namespace qtune::calib {

namespace {
double checked_log2(double s, const char* what) {
  if (!(s > 0.0) || !std::isfinite(s))
    throw Error(std::string(what) + ": scale " + std::to_string(s) +
                " is not a finite positive number (non-finite values in the calibration data?)");
  return std::log2(s);
}
}  // namespace

double minmax_to_scale(double mn, double mx, std::int64_t quant_min, std::int64_t quant_max, double min_scale) {
  if (mn > 0.0) mn = 0.0;
  if (mx < 0.0) mx = 0.0;
  const double range = 2.0 * std::max(std::fabs(mx), std::fabs(mn));
  const double scale = range / static_cast<double>(quant_max - quant_min);
  // Python's max(scale, threshold): the first argument unless the second is larger.
  return min_scale > scale ? min_scale : scale;
}

int pow2_ceil_exponent(double s) {
  return static_cast<int>(std::ceil(checked_log2(s, "pow2-ceil")));
}

double rendered_log2(double s, bool linear, int (*pow2)(double)) {
  return linear ? checked_log2(s, "linear scale") : static_cast<double>(pow2(s));
}

int pow2_nearest_exponent(double s) {
  const double l = checked_log2(s, "pow2-nearest");
  const double f = std::floor(l);
  // l − floor(l) is exact in binary floating point, so the tie l = k + 0.5 is seen exactly.
  return static_cast<int>(f) + (l - f >= 0.5 ? 1 : 0);
}

}  // namespace qtune::calib
