#pragma once
// Copies a strided view of one buffer into a dense row-major output: the common engine
// of Transpose, Slice, Expand and DepthToSpace. Dims that stay contiguous are merged
// and rows are copied in parallel.
#include "exec/kernels/kernel_util.h"

namespace qtune {

// dst[i...] = src[offset + sum_d i_d * strides[d]] for every index of `out_shape`
// (element strides, possibly 0 or negative). Any element type (moved as raw bytes).
void strided_copy(const Tensor& src, std::int64_t offset, const std::vector<std::int64_t>& strides, Tensor& dst);

// x (seen with shape `view`, same element count) transposed by `perm`.
Tensor permute(const Tensor& x, const Shape& view, const std::vector<std::int64_t>& perm);

}  // namespace qtune
