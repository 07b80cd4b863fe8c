#pragma once
// Numpy broadcasting of up to three operands: the output shape, and a plan that walks
// the output in contiguous rows with, per operand, a base offset and an inner stride.
// Adjacent dims that broadcast alike are merged, so [N,C,H,W] + [1,C,1,1] becomes
// rows of H*W elements with stride 1 for X and 0 for the per-channel operand.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "exec/kernels/kernel_util.h"

namespace qtune {

// Broadcast shape of a and b; error naming the op when incompatible.
Shape broadcast_shape(const Op& op, const Shape& a, const Shape& b);

struct BroadcastPlan {
  static constexpr std::size_t kMaxOperands = 3;
  std::vector<std::int64_t> dims;                                 // merged output dims, at least one
  std::vector<std::array<std::int64_t, kMaxOperands>> strides;    // per dim, per operand (0 = broadcast)
  std::int64_t inner() const { return dims.back(); }
  std::int64_t rows() const;
};

// `operands` must each broadcast to `out` (check with broadcast_shape first).
BroadcastPlan make_broadcast_plan(const Shape& out, std::span<const Shape* const> operands);

// Calls row(out_offset, offsets, n, inner_strides) for every output row, rows split
// across TBB tasks; offsets[i] is operand i's element offset at the row start.
template <class F>
void for_each_row(const BroadcastPlan& plan, F&& row) {
  constexpr std::size_t kM = BroadcastPlan::kMaxOperands;
  const std::int64_t inner = plan.inner();
  const std::size_t outer_rank = plan.dims.size() - 1;
  const std::array<std::int64_t, kM> inner_strides = plan.strides.back();
  parallel_chunks(plan.rows(), std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(inner, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    // Unravel the first row, then advance an odometer.
                    std::vector<std::int64_t> index(outer_rank, 0);
                    std::array<std::int64_t, kM> offs{};
                    std::int64_t rest = begin;
                    for (std::size_t d = outer_rank; d-- > 0;) {
                      index[d] = rest % plan.dims[d];
                      rest /= plan.dims[d];
                      for (std::size_t k = 0; k < kM; ++k) offs[k] += index[d] * plan.strides[d][k];
                    }
                    for (std::int64_t r = begin; r < end; ++r) {
                      row(r * inner, offs, inner, inner_strides);
                      for (std::size_t d = outer_rank; d-- > 0;) {
                        for (std::size_t k = 0; k < kM; ++k) offs[k] += plan.strides[d][k];
                        if (++index[d] < plan.dims[d]) break;
                        for (std::size_t k = 0; k < kM; ++k) offs[k] -= plan.dims[d] * plan.strides[d][k];
                        index[d] = 0;
                      }
                    }
                  });
}

}  // namespace qtune
