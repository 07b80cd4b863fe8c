// InsertZeros forward (semantics in insert_zeros.h). Elements are only moved, so any dtype
// is copied by its size; the zero fill is the Tensor constructor's.
#include "exec/kernels/insert_zeros.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

InsertZerosGeometry insert_zeros_geometry(const Op& op, std::size_t spatial) {
  auto per_dim = [&](const char* name, std::vector<std::int64_t> values) {
    if (values.size() == 1 && spatial > 1) values.assign(spatial, values.front());  // ESP-DL broadcasts one value
    if (values.size() != spatial)
      kernel_error(op, fmt::format("attribute '{}' = [{}] needs {} value(s), one per spatial dim", name,
                                   fmt::join(values, ", "), spatial));
    return values;
  };
  if (!op.attributes.has("stride")) kernel_error(op, "attribute 'stride' is missing");
  InsertZerosGeometry g{per_dim("stride", op.attributes.get_ints("stride")),
                        per_dim("output_padding", op.attributes.get_ints("output_padding", {0}))};
  for (std::size_t i = 0; i < spatial; ++i)
    if (g.stride[i] < 1 || g.output_padding[i] < 0)
      kernel_error(op, fmt::format("spatial dim {}: stride {} must be >= 1 and output_padding {} >= 0", i, g.stride[i],
                                   g.output_padding[i]));
  return g;
}

namespace {

void insert_zeros(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  if (x.rank() < 3) kernel_error(op, fmt::format("expected X of rank >= 3 ([N, C, spatial...]), got {}", shape_str(x.shape())));
  const std::size_t spatial = x.rank() - 2;
  const InsertZerosGeometry g = insert_zeros_geometry(op, spatial);
  Shape shape = x.shape();
  for (std::size_t i = 0; i < spatial; ++i) {
    if (shape[i + 2] == 0) kernel_error(op, fmt::format("spatial dim {} of X {} is empty", i, shape_str(x.shape())));
    shape[i + 2] = insert_zeros_length(shape[i + 2], g.stride[i], g.output_padding[i]);
  }
  Tensor y(x.dtype(), shape);
  const std::vector<std::int64_t> in_strides = strides_of(x.shape()), out_strides = strides_of(shape);
  const std::int64_t last = x.dim(-1), step = g.stride.back() * out_strides.back();
  const std::int64_t rows = last == 0 ? 0 : x.numel() / last;
  dispatch_size(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = reinterpret_cast<const T*>(x.raw());
    T* py = reinterpret_cast<T*>(y.raw());
    parallel_chunks(rows, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(last, 1)),
                    [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        // Row r covers X[..., :] at one index of every dim but the last; map that index.
        std::int64_t rest = r * last, offset = 0;
        for (std::size_t d = 0; d + 1 < x.rank(); ++d) {
          const std::int64_t index = rest / in_strides[d];
          rest %= in_strides[d];
          offset += (d < 2 ? index : index * g.stride[d - 2]) * out_strides[d];
        }
        const T* src = px + r * last;
        for (std::int64_t q = 0; q < last; ++q) py[offset + q * step] = src[q];
      }
    });
  });
  out[0] = std::move(y);
}

}  // namespace

void register_insert_zeros_kernels() { add_builtin_kernel("InsertZeros", insert_zeros); }

}  // namespace qtune
