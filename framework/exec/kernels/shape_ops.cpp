// Layout and shape ops for any element type (int64 shape arithmetic included):
// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Gather, Pad,
// Shape, Size, ConstantOfShape, Cast, Expand, Tile, Range, Identity, Dropout,
// DepthToSpace, SpaceToDepth.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "exec/kernels/broadcast.h"
#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/strided_copy.h"

namespace qtune {

namespace {

std::int64_t rank_of(const Tensor& t) { return static_cast<std::int64_t>(t.rank()); }

void identity(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  out[0] = input_at(op, in, 0);
}

// Inference Dropout is the identity; the optional mask output is all true.
void dropout(const Op& op, Inputs in, Outputs out) {
  identity(op, in, out);
  if (out.size() > 1) {
    out[1] = Tensor::uninitialized(DType::Bool, out[0].shape());
    std::fill(out[1].data<bool>(), out[1].data<bool>() + out[1].numel(), true);
  }
}

void reshape(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  Shape shape = input_at(op, in, 1).to_int64();
  const bool allow_zero = op.attributes.get_int("allowzero", 0) != 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 0 || allow_zero) continue;
    if (i >= x.rank()) kernel_error(op, fmt::format("shape {} copies dim {} (0) that X {} lacks", shape_str(shape), i, shape_str(x.shape())));
    shape[i] = x.shape()[i];
  }
  try {
    out[0] = x.reshaped(shape);
  } catch (const Error& e) {
    kernel_error(op, e.what());
  }
}

void flatten(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  std::int64_t axis = op.attributes.get_int("axis", 1);
  if (axis < 0) axis += rank_of(x);
  if (axis < 0 || axis > rank_of(x)) kernel_error(op, fmt::format("axis {} out of range for rank {}", axis, x.rank()));
  std::int64_t outer = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  const std::int64_t inner = outer == 0 ? 0 : x.numel() / outer;
  out[0] = x.reshaped({outer, inner});
}

void squeeze(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto axes = axes_from(op, in, 1);
  std::vector<bool> drop(x.rank(), false);
  if (axes.empty()) {
    for (std::size_t d = 0; d < x.rank(); ++d) drop[d] = x.shape()[d] == 1;
  }
  for (auto a : axes) {
    const auto d = static_cast<std::size_t>(normalize_axis(op, a, rank_of(x)));
    if (x.shape()[d] != 1) kernel_error(op, fmt::format("cannot squeeze axis {} of size {} in {}", a, x.shape()[d], shape_str(x.shape())));
    drop[d] = true;
  }
  Shape shape;
  for (std::size_t d = 0; d < x.rank(); ++d)
    if (!drop[d]) shape.push_back(x.shape()[d]);
  out[0] = x.reshaped(shape);
}

void unsqueeze(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto axes = axes_from(op, in, 1);
  const auto rank = rank_of(x) + static_cast<std::int64_t>(axes.size());
  std::vector<bool> added(static_cast<std::size_t>(rank), false);
  for (auto a : axes) {
    const auto d = static_cast<std::size_t>(normalize_axis(op, a, rank));
    if (added[d]) kernel_error(op, fmt::format("axis {} repeated", a));
    added[d] = true;
  }
  Shape shape;
  std::size_t src = 0;
  for (std::size_t d = 0; d < added.size(); ++d) shape.push_back(added[d] ? 1 : x.shape()[src++]);
  out[0] = x.reshaped(shape);
}

void transpose(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  std::vector<std::int64_t> perm = op.attributes.get_ints("perm", {});
  if (perm.empty()) {
    for (std::int64_t d = rank_of(x); d-- > 0;) perm.push_back(d);
  }
  std::vector<bool> seen(x.rank(), false);
  if (perm.size() != x.rank()) kernel_error(op, fmt::format("perm {} does not match rank {}", shape_str(perm), x.rank()));
  for (auto& p : perm) {
    p = normalize_axis(op, p, rank_of(x));
    if (seen[static_cast<std::size_t>(p)]) kernel_error(op, fmt::format("perm {} is not a permutation", shape_str(perm)));
    seen[static_cast<std::size_t>(p)] = true;
  }
  out[0] = permute(x, x.shape(), perm);
}

void concat(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& first = input_at(op, in, 0);
  const auto axis = static_cast<std::size_t>(normalize_axis(op, op.attributes.get_int("axis"), rank_of(first)));
  Shape shape = first.shape();
  shape[axis] = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Tensor& t = input_at(op, in, i);
    bool ok = t.rank() == first.rank() && t.dtype() == first.dtype();
    for (std::size_t d = 0; ok && d < t.rank(); ++d) ok = d == axis || t.shape()[d] == first.shape()[d];
    if (!ok)
      kernel_error(op, fmt::format("input {} ({} {}) does not match input 0 ({} {}) outside axis {}", i,
                                   dtype_name(t.dtype()), shape_str(t.shape()), dtype_name(first.dtype()),
                                   shape_str(first.shape()), axis));
    shape[axis] += t.shape()[axis];
  }
  Tensor y = Tensor::uninitialized(first.dtype(), shape);
  const std::size_t elem = dtype_size(first.dtype());
  std::int64_t outer = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= shape[d];
  const std::int64_t out_row = outer ? y.numel() / outer : 0;
  std::int64_t col = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Tensor& t = *in[i];
    const std::int64_t chunk = outer ? t.numel() / outer : 0;
    for (std::int64_t o = 0; o < outer && chunk > 0; ++o)
      std::memcpy(y.raw() + (o * out_row + col) * elem, t.raw() + o * chunk * elem, static_cast<std::size_t>(chunk) * elem);
    col += chunk;
  }
  out[0] = std::move(y);
}

// Split sizes: input 1, the `split` attribute, or equal parts (num_outputs or the
// number of outputs; with num_outputs the last part may be smaller, as opset 18).
void split(const Op& op, Inputs in, Outputs out) {
  const Tensor& x = input_at(op, in, 0);
  const auto axis = static_cast<std::size_t>(normalize_axis(op, op.attributes.get_int("axis", 0), rank_of(x)));
  const std::int64_t len = x.shape()[axis];
  std::vector<std::int64_t> sizes;
  if (const Tensor* s = optional_input(in, 1)) sizes = s->to_int64();
  else sizes = op.attributes.get_ints("split", {});
  const auto parts = static_cast<std::int64_t>(out.size());
  if (sizes.empty()) {
    if (parts == 0) kernel_error(op, "no outputs");
    const std::int64_t each = (len + parts - 1) / parts;
    if (!op.attributes.has("num_outputs") && len % parts != 0)
      kernel_error(op, fmt::format("axis length {} does not split into {} equal parts", len, parts));
    for (std::int64_t i = 0; i < parts; ++i) sizes.push_back(std::clamp<std::int64_t>(len - i * each, 0, each));
  }
  std::int64_t total = 0;
  for (auto s : sizes) total += s;
  if (static_cast<std::int64_t>(sizes.size()) != parts || total != len)
    kernel_error(op, fmt::format("split sizes {} must be {} parts summing to {}", shape_str(sizes), parts, len));
  std::int64_t outer = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  const std::int64_t in_row = outer ? x.numel() / outer : 0, per_index = len ? in_row / len : 0;
  const std::size_t elem = dtype_size(x.dtype());
  std::int64_t col = 0;
  for (std::int64_t i = 0; i < parts; ++i) {
    Shape shape = x.shape();
    shape[axis] = sizes[static_cast<std::size_t>(i)];
    Tensor y = Tensor::uninitialized(x.dtype(), shape);
    const std::int64_t chunk = sizes[static_cast<std::size_t>(i)] * per_index;
    for (std::int64_t o = 0; o < outer && chunk > 0; ++o)
      std::memcpy(y.raw() + o * chunk * elem, x.raw() + (o * in_row + col) * elem, static_cast<std::size_t>(chunk) * elem);
    col += chunk;
    out[static_cast<std::size_t>(i)] = std::move(y);
  }
}

// Slice: starts/ends/axes/steps as inputs (negative indices count from the end, values
// clamped as ONNX specifies, negative steps walk backwards).
void slice(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto starts = input_at(op, in, 1).to_int64();
  const auto ends = input_at(op, in, 2).to_int64();
  std::vector<std::int64_t> axes, steps;
  if (const Tensor* a = optional_input(in, 3)) axes = a->to_int64();
  if (const Tensor* s = optional_input(in, 4)) steps = s->to_int64();
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    kernel_error(op, fmt::format("starts {}, ends {}, axes {} and steps {} must have equal lengths", shape_str(starts),
                                 shape_str(ends), shape_str(axes), shape_str(steps)));
  const auto in_strides = strides_of(x.shape());
  Shape shape = x.shape();
  std::vector<std::int64_t> strides = in_strides;
  std::int64_t offset = 0;
  std::vector<bool> seen(x.rank(), false);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto d = static_cast<std::size_t>(normalize_axis(op, axes[i], rank_of(x)));
    if (seen[d]) kernel_error(op, fmt::format("axis {} repeated", axes[i]));
    seen[d] = true;
    const std::int64_t dim = x.shape()[d], step = steps[i];
    if (step == 0) kernel_error(op, "steps must be non-zero");
    strides[d] = in_strides[d] * step;
    if (dim == 0) {
      shape[d] = 0;
      continue;
    }
    std::int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = std::clamp<std::int64_t>(s, 0, dim);
      e = std::clamp<std::int64_t>(e, 0, dim);
    } else {
      s = std::clamp<std::int64_t>(s, 0, dim - 1);
      e = std::clamp<std::int64_t>(e, -1, dim - 1);
    }
    const std::int64_t n = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    shape[d] = std::max<std::int64_t>(n, 0);
    if (shape[d] > 0) offset += s * in_strides[d];
  }
  Tensor y = Tensor::uninitialized(x.dtype(), shape);
  strided_copy(x, offset, strides, y);
  out[0] = std::move(y);
}

void gather(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& data = input_at(op, in, 0);
  const Tensor& idx_t = input_at(op, in, 1);
  if (idx_t.dtype() != DType::Int64 && idx_t.dtype() != DType::Int32)
    kernel_error(op, fmt::format("indices must be int32 or int64, got {}", dtype_name(idx_t.dtype())));
  const auto axis = static_cast<std::size_t>(normalize_axis(op, op.attributes.get_int("axis", 0), rank_of(data)));
  const std::int64_t len = data.shape()[axis];
  std::vector<std::int64_t> idx = idx_t.to_int64();
  for (auto& i : idx) {
    if (i < -len || i >= len) kernel_error(op, fmt::format("index {} out of range [-{}, {}) on axis {}", i, len, len, axis));
    if (i < 0) i += len;
  }
  Shape shape(data.shape().begin(), data.shape().begin() + static_cast<std::ptrdiff_t>(axis));
  shape.insert(shape.end(), idx_t.shape().begin(), idx_t.shape().end());
  shape.insert(shape.end(), data.shape().begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape().end());
  Tensor y = Tensor::uninitialized(data.dtype(), shape);
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < data.rank(); ++d) {
    if (d < axis) outer *= data.shape()[d];
    if (d > axis) inner *= data.shape()[d];
  }
  const std::size_t bytes = static_cast<std::size_t>(inner) * dtype_size(data.dtype());
  const auto count = static_cast<std::int64_t>(idx.size());
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t j = 0; j < count; ++j)
      std::memcpy(y.raw() + (o * count + j) * bytes, data.raw() + (o * len + idx[static_cast<std::size_t>(j)]) * bytes, bytes);
  out[0] = std::move(y);
}

// Pad: pads (input 1), constant_value (input 2), axes (input 3); constant/reflect/edge.
void pad(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const std::string mode = op.attributes.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    kernel_error(op, fmt::format("mode '{}' is not supported (constant, reflect, edge)", mode));
  const auto rank = rank_of(x);
  std::vector<std::int64_t> raw = op.attributes.has("pads") ? op.attributes.get_ints("pads") : input_at(op, in, 1).to_int64();
  std::vector<std::int64_t> axes;
  if (const Tensor* a = optional_input(in, 3)) axes = a->to_int64();
  if (axes.empty())
    for (std::int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (raw.size() != 2 * axes.size())
    kernel_error(op, fmt::format("pads {} must have {} entries", shape_str(raw), 2 * axes.size()));
  std::vector<std::int64_t> begin(x.rank(), 0), end(x.rank(), 0);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const auto d = static_cast<std::size_t>(normalize_axis(op, axes[i], rank));
    begin[d] = raw[i];
    end[d] = raw[i + axes.size()];
  }
  Shape shape = x.shape();
  for (std::size_t d = 0; d < x.rank(); ++d) {
    shape[d] += begin[d] + end[d];
    if (shape[d] < 0) kernel_error(op, fmt::format("pads {} crop more than {}", shape_str(raw), shape_str(x.shape())));
    if (mode != "constant" && x.shape()[d] == 0 && shape[d] > 0) kernel_error(op, "cannot reflect/edge-pad an empty axis");
    if (mode == "reflect" && (begin[d] >= x.shape()[d] || end[d] >= x.shape()[d]) && (begin[d] > 0 || end[d] > 0))
      kernel_error(op, fmt::format("reflect pads {} must be smaller than the dims of {}", shape_str(raw), shape_str(x.shape())));
  }
  // Per dim: output coordinate -> input coordinate, -1 = constant fill.
  std::vector<std::vector<std::int64_t>> maps(x.rank());
  for (std::size_t d = 0; d < x.rank(); ++d) {
    const std::int64_t n = x.shape()[d];
    maps[d].resize(static_cast<std::size_t>(shape[d]));
    for (std::int64_t o = 0; o < shape[d]; ++o) {
      std::int64_t i = o - begin[d];
      if (i < 0 || i >= n) {
        if (mode == "constant") i = -1;
        else if (mode == "edge") i = std::clamp<std::int64_t>(i, 0, n - 1);
        else i = i < 0 ? -i : 2 * (n - 1) - i;
      }
      maps[d][static_cast<std::size_t>(o)] = i;
    }
  }
  Tensor y = Tensor::uninitialized(x.dtype(), shape);
  if (y.numel() == 0) {
    out[0] = std::move(y);
    return;
  }
  const Tensor* cv = optional_input(in, 2);
  if (cv && cv->dtype() != x.dtype())
    kernel_error(op, fmt::format("constant_value is {}, data is {}", dtype_name(cv->dtype()), dtype_name(x.dtype())));
  Tensor fill_value = cv ? *cv : Tensor(x.dtype(), {1});
  if (!cv && op.attributes.has("value")) fill_value = Tensor::scalar(op.attributes.get_float("value")).cast(x.dtype());
  const auto in_strides = strides_of(x.shape());
  dispatch_size(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = reinterpret_cast<const T*>(x.raw());
    T* py = reinterpret_cast<T*>(y.raw());
    T value;
    std::memcpy(&value, fill_value.raw(), sizeof(T));
    if (x.rank() == 0) {
      py[0] = px[0];
      return;
    }
    const std::size_t last = x.rank() - 1;
    const std::int64_t inner = shape[last];
    const std::int64_t rows = y.numel() / inner;
    const auto& map_last = maps[last];
    parallel_chunks(rows, std::max<std::int64_t>(1, kElementGrain / inner), [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        std::int64_t rest = r, off = 0;
        bool fill = false;
        for (std::size_t d = last; d-- > 0;) {
          const std::int64_t o = rest % shape[d];
          rest /= shape[d];
          const std::int64_t i = maps[d][static_cast<std::size_t>(o)];
          if (i < 0) fill = true;
          off += i * in_strides[d];
        }
        T* dst = py + r * inner;
        if (fill) {
          std::fill(dst, dst + inner, value);
          continue;
        }
        for (std::int64_t c = 0; c < inner; ++c) {
          const std::int64_t i = map_last[static_cast<std::size_t>(c)];
          dst[c] = i < 0 ? value : px[off + i];
        }
      }
    });
  });
  out[0] = std::move(y);
}

void shape_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto rank = rank_of(x);
  std::int64_t start = op.attributes.get_int("start", 0), end = op.attributes.get_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<std::int64_t>(start, 0, rank);
  end = std::clamp<std::int64_t>(end, start, rank);
  std::vector<std::int64_t> dims(x.shape().begin() + start, x.shape().begin() + end);
  out[0] = Tensor::from<std::int64_t>({static_cast<std::int64_t>(dims.size())}, dims);
}

void size_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  out[0] = Tensor::from<std::int64_t>({}, {input_at(op, in, 0).numel()});
}

void constant_of_shape(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Shape shape = input_at(op, in, 0).to_int64();
  const Tensor value = op.attributes.has("value") ? op.attributes.get_tensor("value") : Tensor(DType::Float32, {1});
  if (value.numel() != 1) kernel_error(op, fmt::format("value must hold one element, got {}", shape_str(value.shape())));
  for (auto d : shape)
    if (d < 0) kernel_error(op, fmt::format("shape {} has a negative dim", shape_str(shape)));
  Tensor y = Tensor::uninitialized(value.dtype(), shape);
  const std::size_t elem = dtype_size(value.dtype());
  for (std::int64_t i = 0; i < y.numel(); ++i) std::memcpy(y.raw() + i * elem, value.raw(), elem);
  out[0] = std::move(y);
}

// ONNX TensorProto.DataType codes of the element types qtune stores.
DType onnx_dtype(const Op& op, std::int64_t code) {
  switch (code) {
    case 1: return DType::Float32;
    case 2: return DType::UInt8;
    case 3: return DType::Int8;
    case 5: return DType::Int16;
    case 6: return DType::Int32;
    case 7: return DType::Int64;
    case 9: return DType::Bool;
    case 11: return DType::Float64;
    default: kernel_error(op, fmt::format("cast to ONNX element type {} is not supported", code));
  }
}

void cast(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  out[0] = input_at(op, in, 0).cast(onnx_dtype(op, op.attributes.get_int("to")));
}

// Expand: bidirectional broadcast of X with the shape input.
void expand(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const Shape target = input_at(op, in, 1).to_int64();
  const Shape shape = broadcast_shape(op, x.shape(), target);
  const auto in_strides = strides_of(x.shape());
  std::vector<std::int64_t> strides(shape.size(), 0);
  const std::size_t lead = shape.size() - x.rank();
  for (std::size_t d = 0; d < x.rank(); ++d) strides[d + lead] = x.shape()[d] == 1 ? 0 : in_strides[d];
  Tensor y = Tensor::uninitialized(x.dtype(), shape);
  strided_copy(x, 0, strides, y);
  out[0] = std::move(y);
}

void tile(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto repeats = input_at(op, in, 1).to_int64();
  if (repeats.size() != x.rank())
    kernel_error(op, fmt::format("repeats {} must have {} entries", shape_str(repeats), x.rank()));
  Shape shape = x.shape();
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) kernel_error(op, "repeats must be non-negative");
    shape[d] *= repeats[d];
  }
  if (x.rank() == 0) {
    out[0] = x;
    return;
  }
  Tensor y = Tensor::uninitialized(x.dtype(), shape);
  if (y.numel() > 0) {
    // Each output element reads input index (i_d mod in_d) per dim.
    const auto in_strides = strides_of(x.shape());
    const std::size_t elem = dtype_size(x.dtype());
    const std::size_t last = shape.size() - 1;
    const std::int64_t inner_in = x.rank() ? x.shape()[last] : 1;
    const std::int64_t inner_out = x.rank() ? shape[last] : 1;
    const std::int64_t rows = y.numel() / inner_out;
    for (std::int64_t r = 0; r < rows; ++r) {
      std::int64_t rest = r, off = 0;
      for (std::size_t d = last; d-- > 0;) {
        off += (rest % shape[d]) % x.shape()[d] * in_strides[d];
        rest /= shape[d];
      }
      for (std::int64_t k = 0; k < inner_out; k += inner_in)
        std::memcpy(y.raw() + (r * inner_out + k) * elem, x.raw() + off * elem, static_cast<std::size_t>(inner_in) * elem);
    }
  }
  out[0] = std::move(y);
}

void range(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& start_t = input_at(op, in, 0);
  const double start = start_t.to_double().at(0), limit = input_at(op, in, 1).to_double().at(0),
               delta = input_at(op, in, 2).to_double().at(0);
  if (delta == 0) kernel_error(op, "delta must be non-zero");
  const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((limit - start) / delta)));
  Tensor y(DType::Float64, {n});
  for (std::int64_t i = 0; i < n; ++i) y.data<double>()[i] = start + static_cast<double>(i) * delta;
  out[0] = y.cast(start_t.dtype());
}

// DepthToSpace (DCR/CRD) and SpaceToDepth as a reshape and a transpose.
void depth_to_space(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const std::int64_t b = op.attributes.get_int("blocksize");
  if (x.rank() != 4 || b < 1 || x.dim(1) % (b * b) != 0)
    kernel_error(op, fmt::format("expected NCHW input with C divisible by blocksize^2, got {} and blocksize {}", shape_str(x.shape()), b));
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const bool crd = op.attributes.get_string("mode", "DCR") == "CRD";
  Tensor y = crd ? permute(x, {n, c / (b * b), b, b, h, w}, {0, 1, 4, 2, 5, 3})
                 : permute(x, {n, b, b, c / (b * b), h, w}, {0, 3, 4, 1, 5, 2});
  out[0] = std::move(y).reshaped({n, c / (b * b), h * b, w * b});
}

void space_to_depth(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const std::int64_t b = op.attributes.get_int("blocksize");
  if (x.rank() != 4 || b < 1 || x.dim(2) % b != 0 || x.dim(3) % b != 0)
    kernel_error(op, fmt::format("expected NCHW input with H, W divisible by blocksize, got {} and blocksize {}", shape_str(x.shape()), b));
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  out[0] = permute(x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}).reshaped({n, c * b * b, h / b, w / b});
}

}  // namespace

void register_shape_kernels() {
  add_builtin_kernel("Identity", identity);
  add_builtin_kernel("Dropout", dropout);
  add_builtin_kernel("Reshape", reshape);
  add_builtin_kernel("Flatten", flatten);
  add_builtin_kernel("Squeeze", squeeze);
  add_builtin_kernel("Unsqueeze", unsqueeze);
  add_builtin_kernel("Transpose", transpose);
  add_builtin_kernel("Concat", concat);
  add_builtin_kernel("Split", split);
  add_builtin_kernel("Slice", slice);
  add_builtin_kernel("Gather", gather);
  add_builtin_kernel("Pad", pad);
  add_builtin_kernel("Shape", shape_kernel);
  add_builtin_kernel("Size", size_kernel);
  add_builtin_kernel("ConstantOfShape", constant_of_shape);
  add_builtin_kernel("Cast", cast);
  add_builtin_kernel("Expand", expand);
  add_builtin_kernel("Tile", tile);
  add_builtin_kernel("Range", range);
  add_builtin_kernel("DepthToSpace", depth_to_space);
  add_builtin_kernel("SpaceToDepth", space_to_depth);
}

}  // namespace qtune
