#pragma once
// Data movement the exporter needs on tensors of any element type: a transpose
// (numpy's x.transpose(perm)) and row slices, both by element bytes.
#include <cstdint>
#include <vector>

#include "qtune/tensor.h"

namespace qtune {

// out.shape[i] = x.shape[perm[i]], out[idx] = x[idx permuted back] (any dtype).
Tensor permute_tensor(const Tensor& x, const std::vector<std::int64_t>& perm);
// Rows [begin, end) of dim 0.
Tensor slice_rows(const Tensor& x, std::int64_t begin, std::int64_t end);
// Rows of a and then b along dim 0 (same dtype and trailing dims).
Tensor concat_rows(const Tensor& a, const Tensor& b);

}  // namespace qtune
