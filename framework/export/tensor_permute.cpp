#include "export/tensor_permute.h"

#include <cstring>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

Tensor permute_tensor(const Tensor& x, const std::vector<std::int64_t>& perm) {
  const std::size_t rank = x.rank();
  if (perm.size() != rank) throw Error(fmt::format("permute: perm of {} axes for shape {}", perm.size(), shape_str(x.shape())));
  Shape out_shape(rank);
  for (std::size_t i = 0; i < rank; ++i) out_shape[i] = x.shape().at(static_cast<std::size_t>(perm[i]));
  Tensor out = Tensor::uninitialized(x.dtype(), out_shape);
  const std::size_t elem = dtype_size(x.dtype());
  const auto r = static_cast<std::int64_t>(rank);
  // Input strides (row-major), read in output order.
  std::vector<std::int64_t> in_stride(rank, 1), stride(rank), idx(rank, 0);
  for (std::int64_t d = r - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * x.shape()[d + 1];
  for (std::int64_t i = 0; i < r; ++i) stride[i] = in_stride[perm[i]];
  const std::byte* src = x.raw();
  std::byte* dst = out.raw();
  for (std::int64_t n = 0; n < out.numel(); ++n) {
    std::int64_t offset = 0;
    for (std::int64_t i = 0; i < r; ++i) offset += idx[i] * stride[i];
    std::memcpy(dst + n * static_cast<std::int64_t>(elem), src + offset * static_cast<std::int64_t>(elem), elem);
    for (std::int64_t i = r - 1; i >= 0; --i) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

Tensor slice_rows(const Tensor& x, std::int64_t begin, std::int64_t end) {
  Shape s = x.shape();
  const std::int64_t row = s[0] == 0 ? 0 : x.numel() / s[0];
  s[0] = end - begin;
  Tensor out = Tensor::uninitialized(x.dtype(), s);
  const std::size_t elem = dtype_size(x.dtype());
  std::memcpy(out.raw(), x.raw() + static_cast<std::size_t>(begin * row) * elem, out.byte_size());
  return out;
}

Tensor concat_rows(const Tensor& a, const Tensor& b) {
  Shape s = a.shape();
  s[0] += b.shape()[0];
  Tensor out = Tensor::uninitialized(a.dtype(), s);
  std::memcpy(out.raw(), a.raw(), a.byte_size());
  std::memcpy(out.raw() + a.byte_size(), b.raw(), b.byte_size());
  return out;
}

}  // namespace qtune
