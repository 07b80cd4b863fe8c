#include "qtune/calib/tensor_values.h"

#include <cmath>
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
