#include "exec/kernels/broadcast.h"

#include <fmt/format.h>

namespace qtune {

Shape broadcast_shape(const Op& op, const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      kernel_error(op, fmt::format("shapes {} and {} cannot be broadcast", shape_str(a), shape_str(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::int64_t BroadcastPlan::rows() const {
  std::int64_t r = 1;
  for (std::size_t d = 0; d + 1 < dims.size(); ++d) r *= dims[d];
  return r;
}

BroadcastPlan make_broadcast_plan(const Shape& out, std::span<const Shape* const> operands) {
  constexpr std::size_t kM = BroadcastPlan::kMaxOperands;
  const std::size_t rank = out.size();
  std::vector<std::int64_t> dims;
  std::vector<std::array<std::int64_t, kM>> strides;
  // Per output dim: each operand's stride (0 where it broadcasts), dims of size 1 dropped.
  std::vector<std::array<std::int64_t, kM>> full(rank);
  for (std::size_t k = 0; k < operands.size(); ++k) {
    const Shape& s = *operands[k];
    std::int64_t stride = 1;
    for (std::size_t i = rank; i-- > 0;) {
      const std::size_t lead = rank - s.size();
      const std::int64_t d = i < lead ? 1 : s[i - lead];
      full[i][k] = d == 1 ? 0 : stride;
      stride *= d;
    }
  }
  for (std::size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    // Merge into the previous dim when every operand stays contiguous across both.
    if (!dims.empty()) {
      bool mergeable = true;
      for (std::size_t k = 0; k < kM; ++k)
        if (strides.back()[k] != full[i][k] * out[i]) mergeable = false;
      if (mergeable) {
        dims.back() *= out[i];
        strides.back() = full[i];
        continue;
      }
    }
    dims.push_back(out[i]);
    strides.push_back(full[i]);
  }
  if (dims.empty()) {
    dims.push_back(1);
    strides.push_back({});
  }
  return {std::move(dims), std::move(strides)};
}

}  // namespace qtune
