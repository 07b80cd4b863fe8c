#include "qtune/calib/isotone_search.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "qtune/calib/scale.h"
#include "qtune/error.h"

namespace qtune::calib {

namespace {
// esp-ppq's margin: round(L2 / s) <= qmax − 0.51 keeps L2 below the top level.
constexpr double kIsotoneMargin = 0.51;

struct Event {
  float value;
  int delta;  // +1 opens (smin), −1 closes (smax)
};
}  // namespace

IsotoneResult isotone_search(std::span<const std::pair<float, float>> rows, std::int64_t quant_min,
                             std::int64_t quant_max, double min_scale) {
  if (rows.empty()) throw Error("isotone: nothing was observed before render()");
  const float denom = static_cast<float>(static_cast<double>(quant_max) - kIsotoneMargin);
  std::vector<Event> events;
  events.reserve(rows.size() * 2);
  for (const auto& [l1, l2] : rows) {
    const float a1 = std::fabs(l1), a2 = std::fabs(l2);
    float smin = a2 / denom;
    if (0.0f > smin) smin = 0.0f;
    const float smax = 2.0f * (a1 - (0.0f > a2 ? 0.0f : a2));
    if (smax > smin && a1 > 0.0f) {
      events.push_back({smin, +1});
      events.push_back({smax, -1});
    }
  }
  IsotoneResult r;
  if (events.empty()) {
    const double l1 = std::fabs(static_cast<double>(rows.back().first));
    const double s = minmax_to_scale(0.0, l1, quant_min, quant_max, min_scale);
    r.fallback = true;
    r.log2_scale = pow2_ceil_exponent(s);
    r.scale = static_cast<float>(std::exp2(r.log2_scale));
    return r;
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.value != b.value) return a.value < b.value;
    return a.delta < b.delta;  // 'max' (−1) sorts before 'min' (+1)
  });
  int count = 0, best = 0;
  float best_scale = 0.0f;
  for (const Event& e : events) {
    count += e.delta;
    if (count > best) {
      best = count;
      best_scale = e.value;
    }
  }
  const double s = std::max(static_cast<double>(best_scale), min_scale);
  r.scale = static_cast<float>(s);
  r.best_count = best;
  r.log2_scale = std::log2(s);
  return r;
}

}  // namespace qtune::calib
