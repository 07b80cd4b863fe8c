#include "qtune/calib/tensor_values.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "qtune/error.h"

namespace qtune::calib {

FloatValues::FloatValues(const Tensor& t, const char* who) {
  if (t.numel() == 0) throw Error(std::string(who) + ": observed an empty tensor " + shape_str(t.shape()));
  if (t.dtype() == DType::Float32) {
    span_ = t.values<float>();
  } else {
    owned_ = t.to_float();
    span_ = owned_;
  }
}

namespace {

// The loop nan_skipping_min_max reproduces, used for short spans and the rare cases the
// vector result cannot decide (no non-NaN value, or an infinite extreme).
MinMax scalar_min_max(std::span<const float> v) {
  float lo = v[0], hi = v[0];
  for (const float x : v) {
    if (x < lo || std::isnan(lo)) lo = x;
    if (x > hi || std::isnan(hi)) hi = x;
  }
  return {lo, hi};
}

// 8 float lanes (one AVX2 register under x86-64-v3; GCC splits it into two SSE registers
// otherwise). `x < lo ? x : lo` keeps lo when x is NaN, like the scalar loop once lo holds a
// number: that is minps' own rule.
typedef float Lanes8 __attribute__((vector_size(8 * sizeof(float))));
constexpr std::size_t kLanes = 8;
constexpr std::size_t kUnroll = 4;  // independent accumulators per extreme (latency of the compare/blend)
// Below this many values the scalar loop is as fast and needs no fix-up.
constexpr std::size_t kVectorMin = kLanes * kUnroll;

Lanes8 load8(const float* p) {
  Lanes8 x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

// First value of `v` that compares equal to `target` (v contains one).
float first_equal(std::span<const float> v, float target) {
  for (const float x : v)
    if (x == target) return x;
  return target;
}

}  // namespace

MinMax nan_skipping_min_max(std::span<const float> v) {
  const std::size_t n = v.size();
  if (n < kVectorMin) return scalar_min_max(v);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float* p = v.data();
  Lanes8 lo[kUnroll], hi[kUnroll];
  for (std::size_t k = 0; k < kUnroll; ++k) {
    lo[k] = Lanes8{} + kInf;
    hi[k] = Lanes8{} - kInf;
  }
  std::size_t i = 0;
  for (; i + kLanes * kUnroll <= n; i += kLanes * kUnroll)
    for (std::size_t k = 0; k < kUnroll; ++k) {
      const Lanes8 x = load8(p + i + k * kLanes);
      lo[k] = x < lo[k] ? x : lo[k];
      hi[k] = x > hi[k] ? x : hi[k];
    }
  for (std::size_t k = 1; k < kUnroll; ++k) {
    lo[0] = lo[k] < lo[0] ? lo[k] : lo[0];
    hi[0] = hi[k] > hi[0] ? hi[k] : hi[0];
  }
  float mn = kInf, mx = -kInf;
  for (std::size_t l = 0; l < kLanes; ++l) {
    mn = lo[0][l] < mn ? lo[0][l] : mn;
    mx = hi[0][l] > mx ? hi[0][l] : mx;
  }
  for (; i < n; ++i) {
    mn = p[i] < mn ? p[i] : mn;
    mx = p[i] > mx ? p[i] : mx;
  }
  // +inf / -inf left: no number at all, or an infinite extreme; let the reference loop decide.
  if (mn == kInf || mx == -kInf) return scalar_min_max(v);
  // Equal values have equal bits except +0 / -0, where the scalar loop keeps the first.
  if (mn == 0.0f) mn = first_equal(v, 0.0f);
  if (mx == 0.0f) mx = first_equal(v, 0.0f);
  return {mn, mx};
}

namespace {
// Splits `shape` around `axis` into (outer, dim, inner) element counts.
struct AxisSplit {
  std::int64_t outer = 1, dim = 1, inner = 1;
};
AxisSplit split_at(const Tensor& t, int axis, const char* who) {
  const auto rank = static_cast<int>(t.rank());
  const int a = axis < 0 ? axis + rank : axis;
  if (rank == 0 || a < 0 || a >= rank)
    throw Error(std::string(who) + ": axis " + std::to_string(axis) + " is out of range for a tensor of shape " +
                shape_str(t.shape()));
  AxisSplit s;
  for (int i = 0; i < a; ++i) s.outer *= t.shape()[i];
  s.dim = t.shape()[a];
  for (int i = a + 1; i < rank; ++i) s.inner *= t.shape()[i];
  return s;
}
}  // namespace

ChannelRange channel_min_max(const Tensor& t, int axis) {
  FloatValues fv(t, "minmax");
  const std::span<const float> v = fv.span();
  const AxisSplit s = split_at(t, axis, "minmax (per-channel)");
  ChannelRange r;
  r.min.assign(static_cast<std::size_t>(s.dim), std::numeric_limits<float>::infinity());
  r.max.assign(static_cast<std::size_t>(s.dim), -std::numeric_limits<float>::infinity());
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t c = 0; c < s.dim; ++c) {
      const float* row = v.data() + (o * s.dim + c) * s.inner;
      float lo = r.min[c], hi = r.max[c];
      for (std::int64_t i = 0; i < s.inner; ++i) {
        const float x = row[i];
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      r.min[c] = lo;
      r.max[c] = hi;
    }
  return r;
}

std::vector<std::pair<float, float>> top2_rows(const Tensor& t, int axis) {
  FloatValues fv(t, "isotone");
  const std::span<const float> v = fv.span();
  const AxisSplit s = split_at(t, axis, "isotone");
  if (s.dim < 2)
    throw Error("isotone: the axis " + std::to_string(axis) + " of a tensor of shape " + shape_str(t.shape()) +
                " has fewer than 2 elements (top-2 needs two)");
  std::vector<std::pair<float, float>> rows;
  rows.reserve(static_cast<std::size_t>(s.outer * s.inner));
  constexpr float kLowest = -std::numeric_limits<float>::infinity();
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t i = 0; i < s.inner; ++i) {
      float first = kLowest, second = kLowest;
      for (std::int64_t d = 0; d < s.dim; ++d) {
        const float x = v[static_cast<std::size_t>((o * s.dim + d) * s.inner + i)];
        if (x > first) {
          second = first;
          first = x;
        } else if (x > second) {
          second = x;
        }
      }
      rows.emplace_back(first, second);
    }
  return rows;
}

}  // namespace qtune::calib
