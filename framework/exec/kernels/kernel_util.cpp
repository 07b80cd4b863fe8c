#include "exec/kernels/kernel_util.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qtune {

void kernel_error(const Op& op, std::string_view message) {
  throw Error(fmt::format("op '{}' ({}): {}", op.name, op.type, message));
}

const Tensor& input_at(const Op& op, Inputs inputs, std::size_t i) {
  if (i >= inputs.size() || inputs[i] == nullptr) kernel_error(op, fmt::format("input {} is required but absent", i));
  return *inputs[i];
}

const Tensor* optional_input(Inputs inputs, std::size_t i) {
  if (i >= inputs.size() || inputs[i] == nullptr || inputs[i]->empty()) return nullptr;
  return inputs[i];
}

void require_dtype(const Op& op, const Tensor& t, DType dtype, std::string_view what) {
  if (t.dtype() != dtype)
    kernel_error(op, fmt::format("{} must be {}, got {}", what, dtype_name(dtype), dtype_name(t.dtype())));
}

void require_outputs(const Op& op, Outputs outputs, std::size_t min_count) {
  if (outputs.size() < min_count)
    kernel_error(op, fmt::format("expected at least {} output(s), got {}", min_count, outputs.size()));
}

std::int64_t normalize_axis(const Op& op, std::int64_t axis, std::int64_t rank) {
  if (axis < -rank || axis >= rank) kernel_error(op, fmt::format("axis {} out of range for rank {}", axis, rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<std::int64_t> axes_from(const Op& op, Inputs inputs, std::size_t input_index) {
  if (op.attributes.has("axes")) return op.attributes.get_ints("axes");
  if (input_index < inputs.size() && inputs[input_index]) return inputs[input_index]->to_int64();
  return {};
}

std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::vector<SpatialDim> resolve_spatial(const Op& op, const Shape& in_spatial, const Shape& kernel,
                                        bool ceil_mode) {
  const std::size_t n = in_spatial.size();
  if (kernel.size() != n)
    kernel_error(op, fmt::format("kernel {} does not match {} spatial dims", shape_str(kernel), n));
  const auto& attrs = op.attributes;
  const auto strides = attrs.get_ints("strides", std::vector<std::int64_t>(n, 1));
  const auto dilations = attrs.get_ints("dilations", std::vector<std::int64_t>(n, 1));
  const auto pads = attrs.get_ints("pads", std::vector<std::int64_t>(2 * n, 0));
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n)
    kernel_error(op, fmt::format("strides {}, dilations {} and pads {} must have {}, {} and {} entries",
                                 shape_str(strides), shape_str(dilations), shape_str(pads), n, n, 2 * n));
  std::vector<SpatialDim> dims(n);
  for (std::size_t i = 0; i < n; ++i) {
    SpatialDim& d = dims[i];
    d.in = in_spatial[i];
    d.kernel = kernel[i];
    d.stride = strides[i];
    d.dilation = dilations[i];
    if (d.stride < 1 || d.dilation < 1 || d.kernel < 1)
      kernel_error(op, "kernel, strides and dilations must be positive");
    const std::int64_t extent = (d.kernel - 1) * d.dilation + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      d.out = (d.in + d.stride - 1) / d.stride;
      const std::int64_t total = std::max<std::int64_t>(0, (d.out - 1) * d.stride + extent - d.in);
      const std::int64_t small = total / 2;
      d.pad_begin = auto_pad == "SAME_UPPER" ? small : total - small;
      d.pad_end = total - d.pad_begin;
      continue;
    }
    if (auto_pad == "VALID") {
      d.pad_begin = d.pad_end = 0;
    } else if (auto_pad == "NOTSET") {
      d.pad_begin = pads[i];
      d.pad_end = pads[i + n];
    } else {
      kernel_error(op, fmt::format("unsupported auto_pad '{}' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)", auto_pad));
    }
    const std::int64_t span = d.in + d.pad_begin + d.pad_end - extent;
    if (span < 0)
      kernel_error(op, fmt::format("kernel extent {} exceeds padded input {} on spatial dim {}", extent,
                                   d.in + d.pad_begin + d.pad_end, i));
    d.out = (ceil_mode ? (span + d.stride - 1) / d.stride : span / d.stride) + 1;
    // A ceil-mode window must start inside the input or its leading padding (as ORT/PyTorch).
    if (ceil_mode && (d.out - 1) * d.stride >= d.in + d.pad_begin) --d.out;
  }
  return dims;
}

}  // namespace qtune

namespace qtune {

float* thread_scratch(std::size_t floats) {
  thread_local std::unique_ptr<float[]> buffer;
  thread_local std::size_t capacity = 0;
  if (floats > capacity) {
    buffer.reset(new float[floats]);
    capacity = floats;
  }
  return buffer.get();
}

}  // namespace qtune
