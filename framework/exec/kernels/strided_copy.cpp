#include "exec/kernels/strided_copy.h"

namespace qtune {

namespace {

template <class T>
void copy_rows(const T* src, T* dst, const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& strides,
               std::int64_t offset) {
  const std::size_t outer_rank = dims.size() - 1;
  const std::int64_t inner = dims.back(), inner_stride = strides.back();
  std::int64_t rows = 1;
  for (std::size_t d = 0; d < outer_rank; ++d) rows *= dims[d];
  parallel_chunks(rows, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(inner, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    std::vector<std::int64_t> index(outer_rank, 0);
                    std::int64_t off = offset, rest = begin;
                    for (std::size_t d = outer_rank; d-- > 0;) {
                      index[d] = rest % dims[d];
                      rest /= dims[d];
                      off += index[d] * strides[d];
                    }
                    for (std::int64_t r = begin; r < end; ++r) {
                      T* out = dst + r * inner;
                      if (inner_stride == 1) {
                        std::copy(src + off, src + off + inner, out);
                      } else {
                        for (std::int64_t i = 0; i < inner; ++i) out[i] = src[off + i * inner_stride];
                      }
                      for (std::size_t d = outer_rank; d-- > 0;) {
                        off += strides[d];
                        if (++index[d] < dims[d]) break;
                        off -= strides[d] * dims[d];
                        index[d] = 0;
                      }
                    }
                  });
}

}  // namespace

void strided_copy(const Tensor& src, std::int64_t offset, const std::vector<std::int64_t>& strides, Tensor& dst) {
  if (dst.numel() == 0) return;
  // Merge dim d into d-1 where walking d-1 by one equals walking d across its extent.
  std::vector<std::int64_t> dims, st;
  const Shape& shape = dst.shape();
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!dims.empty() && st.back() == strides[d] * shape[d]) {
      dims.back() *= shape[d];
      st.back() = strides[d];
      continue;
    }
    dims.push_back(shape[d]);
    st.push_back(strides[d]);
  }
  if (dims.empty()) {
    dims.push_back(1);
    st.push_back(1);
  }
  dispatch_size(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    copy_rows<T>(reinterpret_cast<const T*>(src.raw()), reinterpret_cast<T*>(dst.raw()), dims, st, offset);
  });
}

Tensor permute(const Tensor& x, const Shape& view, const std::vector<std::int64_t>& perm) {
  const auto in_strides = strides_of(view);
  Shape out_shape(perm.size());
  std::vector<std::int64_t> strides(perm.size());
  for (std::size_t d = 0; d < perm.size(); ++d) {
    out_shape[d] = view[static_cast<std::size_t>(perm[d])];
    strides[d] = in_strides[static_cast<std::size_t>(perm[d])];
  }
  Tensor y = Tensor::uninitialized(x.dtype(), std::move(out_shape));
  strided_copy(x, 0, strides, y);
  return y;
}

}  // namespace qtune
