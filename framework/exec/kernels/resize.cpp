// Resize (opset 11+ inputs X, roi, scales, sizes; opset-18 `axes`): nearest and
// (bi)linear over the last two dims, every coordinate_transformation_mode except
// tf_crop_and_resize, and every nearest_mode. Per-axis index/weight tables are built
// once, then planes run in parallel.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

namespace {

enum class Coord { HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, HalfPixelSymmetric, TfHalfPixelForNn };
enum class Nearest { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

Coord parse_coord(const Op& op) {
  const std::string m = op.attributes.get_string("coordinate_transformation_mode", "half_pixel");
  if (m == "half_pixel") return Coord::HalfPixel;
  if (m == "pytorch_half_pixel") return Coord::PytorchHalfPixel;
  if (m == "align_corners") return Coord::AlignCorners;
  if (m == "asymmetric") return Coord::Asymmetric;
  if (m == "half_pixel_symmetric") return Coord::HalfPixelSymmetric;
  if (m == "tf_half_pixel_for_nn") return Coord::TfHalfPixelForNn;
  kernel_error(op, fmt::format("coordinate_transformation_mode '{}' is not supported", m));
}

Nearest parse_nearest(const Op& op) {
  const std::string m = op.attributes.get_string("nearest_mode", "round_prefer_floor");
  if (m == "round_prefer_floor") return Nearest::RoundPreferFloor;
  if (m == "round_prefer_ceil") return Nearest::RoundPreferCeil;
  if (m == "floor") return Nearest::Floor;
  if (m == "ceil") return Nearest::Ceil;
  kernel_error(op, fmt::format("nearest_mode '{}' is not supported", m));
}

// Input coordinate of output coordinate x along an axis of in -> out elements.
float source_coord(Coord mode, std::int64_t x, float scale, std::int64_t in, std::int64_t out) {
  const float xf = static_cast<float>(x);
  switch (mode) {
    case Coord::HalfPixel: return (xf + 0.5f) / scale - 0.5f;
    case Coord::PytorchHalfPixel: return out > 1 ? (xf + 0.5f) / scale - 0.5f : 0.0f;
    case Coord::AlignCorners:
      return out == 1 ? 0.0f : xf * static_cast<float>(in - 1) / static_cast<float>(out - 1);
    case Coord::Asymmetric: return xf / scale;
    case Coord::HalfPixelSymmetric: {
      const float adjustment = static_cast<float>(out) / (scale * static_cast<float>(in));
      const float offset = static_cast<float>(in) / 2.0f * (1.0f - adjustment);
      return offset + (xf + 0.5f) / scale - 0.5f;
    }
    case Coord::TfHalfPixelForNn: return (xf + 0.5f) / scale;
  }
  return xf;
}

std::int64_t round_nearest(Nearest mode, float v) {
  const float fl = std::floor(v);
  switch (mode) {
    case Nearest::RoundPreferFloor: return static_cast<std::int64_t>(v - fl == 0.5f ? fl : std::round(v));
    case Nearest::RoundPreferCeil: return static_cast<std::int64_t>(v - fl == 0.5f ? fl + 1.0f : std::round(v));
    case Nearest::Floor: return static_cast<std::int64_t>(fl);
    case Nearest::Ceil: return static_cast<std::int64_t>(std::ceil(v));
  }
  return 0;
}

// Per output coordinate: two source indices and the weight of the second.
struct AxisTable {
  std::vector<std::int64_t> i0, i1;
  std::vector<float> w1;
};

AxisTable build_table(bool linear, Coord coord, Nearest nearest, float scale, std::int64_t in, std::int64_t out) {
  AxisTable t;
  t.i0.resize(static_cast<std::size_t>(out));
  t.i1.resize(static_cast<std::size_t>(out));
  t.w1.assign(static_cast<std::size_t>(out), 0.0f);
  for (std::int64_t x = 0; x < out; ++x) {
    const auto k = static_cast<std::size_t>(x);
    const float src = source_coord(coord, x, scale, in, out);
    if (!linear) {
      t.i0[k] = t.i1[k] = std::clamp<std::int64_t>(round_nearest(nearest, src), 0, in - 1);
      continue;
    }
    // As ONNX Runtime: clamp into the input, then interpolate between neighbours.
    const float c = std::clamp(src, 0.0f, static_cast<float>(in - 1));
    const auto lo = std::min(static_cast<std::int64_t>(c), in - 1);
    t.i0[k] = lo;
    t.i1[k] = std::min(lo + 1, in - 1);
    t.w1[k] = t.i0[k] == t.i1[k] ? 0.0f : c - static_cast<float>(lo);
  }
  return t;
}

void resize(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  const std::string mode = op.attributes.get_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    kernel_error(op, fmt::format("mode '{}' is not supported (nearest, linear)", mode));
  const Coord coord = parse_coord(op);
  const Nearest nearest = parse_nearest(op);
  const auto rank = static_cast<std::int64_t>(x.rank());
  if (rank < 2) kernel_error(op, fmt::format("expected rank >= 2, got {}", shape_str(x.shape())));
  std::vector<std::int64_t> axes = op.attributes.get_ints("axes", {});
  if (axes.empty())
    for (std::int64_t d = 0; d < rank; ++d) axes.push_back(d);
  for (auto& a : axes) a = normalize_axis(op, a, rank);

  std::vector<float> scales(x.rank(), 1.0f);
  Shape shape = x.shape();
  const Tensor* sizes_t = optional_input(in, 3);
  const Tensor* scales_t = optional_input(in, 2);
  if (sizes_t) {
    const auto sizes = sizes_t->to_int64();
    if (sizes.size() != axes.size())
      kernel_error(op, fmt::format("sizes {} must have {} entries", shape_str(sizes), axes.size()));
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const auto d = static_cast<std::size_t>(axes[i]);
      shape[d] = sizes[i];
      scales[d] = x.shape()[d] ? static_cast<float>(sizes[i]) / static_cast<float>(x.shape()[d]) : 1.0f;
    }
  } else if (scales_t) {
    const auto given = scales_t->to_float();
    if (given.size() != axes.size())
      kernel_error(op, fmt::format("scales has {} entries, expected {}", given.size(), axes.size()));
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const auto d = static_cast<std::size_t>(axes[i]);
      if (given[i] <= 0.0f) kernel_error(op, fmt::format("scale {} must be positive", given[i]));
      scales[d] = given[i];
      shape[d] = static_cast<std::int64_t>(std::floor(static_cast<float>(x.shape()[d]) * given[i]));
    }
  } else {
    kernel_error(op, "one of scales (input 2) or sizes (input 3) is required");
  }
  for (std::int64_t d = 0; d + 2 < rank; ++d)
    if (shape[static_cast<std::size_t>(d)] != x.shape()[static_cast<std::size_t>(d)])
      kernel_error(op, fmt::format("only the last two dims may be resized: {} -> {}", shape_str(x.shape()), shape_str(shape)));

  const bool linear = mode == "linear";
  const std::int64_t ih = x.dim(-2), iw = x.dim(-1), oh = shape[x.rank() - 2], ow = shape[x.rank() - 1];
  Tensor y = Tensor::uninitialized(DType::Float32, shape);
  if (y.numel() == 0) {
    out[0] = std::move(y);
    return;
  }
  if (ih == 0 || iw == 0) kernel_error(op, "cannot resize an empty input");
  const AxisTable rows = build_table(linear, coord, nearest, scales[x.rank() - 2], ih, oh);
  const AxisTable cols = build_table(linear, coord, nearest, scales[x.rank() - 1], iw, ow);
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const std::int64_t planes = x.numel() / (ih * iw);
  parallel_chunks(planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const float* src = px + p * ih * iw;
      float* dst = py + p * oh * ow;
      for (std::int64_t r = 0; r < oh; ++r) {
        const auto rk = static_cast<std::size_t>(r);
        const float* r0 = src + rows.i0[rk] * iw;
        float* o = dst + r * ow;
        if (!linear) {
          for (std::int64_t c = 0; c < ow; ++c) o[c] = r0[cols.i0[static_cast<std::size_t>(c)]];
          continue;
        }
        const float* r1 = src + rows.i1[rk] * iw;
        const float wr = rows.w1[rk];
        for (std::int64_t c = 0; c < ow; ++c) {
          const auto ck = static_cast<std::size_t>(c);
          const float wc = cols.w1[ck];
          const float top = r0[cols.i0[ck]] * (1.0f - wc) + r0[cols.i1[ck]] * wc;
          const float bottom = r1[cols.i0[ck]] * (1.0f - wc) + r1[cols.i1[ck]] * wc;
          o[c] = top * (1.0f - wr) + bottom * wr;
        }
      }
    }
  });
  out[0] = std::move(y);
}

}  // namespace

void register_resize_kernels() {
  add_builtin_kernel("Resize", resize);
}

}  // namespace qtune
