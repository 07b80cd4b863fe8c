#include "qtune/fake_quant.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {
namespace {

// Layout of a per-channel walk: `outer` blocks of `channels` x `inner` elements.
struct ChannelLayout {
  std::int64_t outer = 1, channels = 1, inner = 1;
};

ChannelLayout layout_of(const Tensor& x, const TensorQuantConfig& c) {
  ChannelLayout l;
  const char* what = c.linear() ? "linear scales" : "exponents";
  if (!c.per_channel()) {
    if (c.scale_count() != 1)
      throw Error(fmt::format("fake quantization: per-tensor config has {} {}, expected 1", c.scale_count(), what));
    l.inner = x.numel();
    return l;
  }
  auto axis = static_cast<std::size_t>(c.channel_axis);
  if (axis >= x.rank())
    throw Error(fmt::format("fake quantization: channel_axis {} out of range for shape {}", c.channel_axis,
                            shape_str(x.shape())));
  for (std::size_t d = 0; d < axis; ++d) l.outer *= x.shape()[d];
  l.channels = x.shape()[axis];
  for (std::size_t d = axis + 1; d < x.rank(); ++d) l.inner *= x.shape()[d];
  if (static_cast<std::int64_t>(c.scale_count()) != l.channels)
    throw Error(fmt::format("fake quantization: {} {} for {} channels (axis {}) of shape {}", c.scale_count(), what,
                            l.channels, c.channel_axis, shape_str(x.shape())));
  return l;
}

// One channel's scale. x / s is what esp-ppq computes; for s = 2^e, x · 2^-e is the same
// value (exact), so power-of-two configs multiply and linear ones divide.
struct ChannelScale {
  float scale, inverse;
  bool divide;
  float scaled(float x) const { return divide ? x / scale : x * inverse; }
};

ChannelScale channel_scale(const TensorQuantConfig& c, std::size_t ch) {
  if (c.linear()) {
    const float s = c.scales[ch];
    if (!(s > 0.0f) || !std::isfinite(s))
      throw Error(fmt::format("fake quantization: linear scale {} of channel {} (config applied at '{}') is not a "
                              "finite positive number", s, ch, c.applied_at));
    return {s, 1.0f / s, true};
  }
  const int e = c.exponents[ch];
  return {std::ldexp(1.0f, e), std::ldexp(1.0f, -e), false};
}

template <class F>
void for_each_channel(const Tensor& x, const TensorQuantConfig& c, F&& f) {
  ChannelLayout l = layout_of(x, c);
  std::vector<ChannelScale> scales;
  for (std::int64_t ch = 0; ch < l.channels; ++ch) scales.push_back(channel_scale(c, static_cast<std::size_t>(ch)));
  std::int64_t base = 0;
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t ch = 0; ch < l.channels; ++ch, base += l.inner)
      f(base, l.inner, scales[static_cast<std::size_t>(ch)]);
}

}  // namespace

float round_as(float x, Rounding rounding) {
  if (rounding == Rounding::HalfEven) return std::nearbyint(x);  // default FE_TONEAREST: ties to even
  return std::floor(x + 0.5f);                                    // float32 add, as esp-ppq (Errata 1)
}

void fake_quantize_inplace(Tensor& x, const TensorQuantConfig& c) {
  float* p = x.data<float>();
  const float qmin = static_cast<float>(c.quant_min), qmax = static_cast<float>(c.quant_max);
  for_each_channel(x, c, [&](std::int64_t begin, std::int64_t n, const ChannelScale& cs) {
    const float s = cs.scale, inv = cs.inverse;
    float* q = p + begin;
    if (cs.divide) {
      for (std::int64_t i = 0; i < n; ++i) q[i] = std::clamp(round_as(q[i] / s, c.rounding), qmin, qmax) * s;
    } else if (c.rounding == Rounding::HalfEven) {
      for (std::int64_t i = 0; i < n; ++i) q[i] = std::clamp(std::nearbyint(q[i] * inv), qmin, qmax) * s;
    } else {
      for (std::int64_t i = 0; i < n; ++i) q[i] = std::clamp(round_as(q[i] * inv, Rounding::HalfUp), qmin, qmax) * s;
    }
  });
}

Tensor fake_quantize(const Tensor& x, const TensorQuantConfig& c) {
  Tensor out = x;
  fake_quantize_inplace(out, c);
  return out;
}

std::vector<std::int64_t> quantize_to_int(const Tensor& x, const TensorQuantConfig& c) {
  const float* p = x.data<float>();
  std::vector<std::int64_t> out(static_cast<std::size_t>(x.numel()));
  const float qmin = static_cast<float>(c.quant_min), qmax = static_cast<float>(c.quant_max);
  for_each_channel(x, c, [&](std::int64_t begin, std::int64_t n, const ChannelScale& cs) {
    for (std::int64_t i = begin; i < begin + n; ++i) {
      float r = std::clamp(round_as(cs.scaled(p[i]), c.rounding), qmin, qmax);
      // qmax of a 64-bit config is 2^63 in float: keep the integer range exact.
      auto v = r >= 9.2233720368547758e18f ? c.quant_max : static_cast<std::int64_t>(r);
      out[static_cast<std::size_t>(i)] = std::clamp(v, c.quant_min, c.quant_max);
    }
  });
  return out;
}

}  // namespace qtune
