// Reductions against direct sums over hand-indexed axes; both axes forms (attribute and
// input), keepdims, noop_with_empty_axes. Tolerance 1e-5 relative.
#include "exec_test_util.h"

namespace qtune::test {
namespace {

using Ints = std::vector<std::int64_t>;

TEST(ReduceKernel, MeanOverSpatialAxesBothForms) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 1);
  Tensor ref(DType::Float32, {2, 3, 1, 1});
  for (std::int64_t p = 0; p < 6; ++p) {
    double s = 0;
    for (std::int64_t i = 0; i < 20; ++i) s += x.data<float>()[p * 20 + i];
    ref.data<float>()[p] = static_cast<float>(s / 20);
  }
  expect_close(run1("ReduceMean", {x}, attrs({{"axes", Ints{2, 3}}})), ref, 1e-5f);    // opset < 18
  expect_close(run1("ReduceMean", {x, ints({2}, {-1, -2})}), ref, 1e-5f);               // opset 18
  expect_close(run1("ReduceMean", {x, ints({2}, {2, 3})}, attrs({{"keepdims", std::int64_t{0}}})), ref.reshaped({2, 3}), 1e-5f);
}

TEST(ReduceKernel, NonTrailingAxesSumMaxMin) {
  // Reduce axes 0 and 2 of [3, 2, 4]: out[j] over i, k.
  const Tensor x = random_tensor({3, 2, 4}, 2);
  const float* p = x.data<float>();
  Tensor sum(DType::Float32, {1, 2, 1}), mx(DType::Float32, {2}), mn(DType::Float32, {1, 2, 1});
  for (std::int64_t j = 0; j < 2; ++j) {
    double s = 0;
    float a = -1e30f, b = 1e30f;
    for (std::int64_t i = 0; i < 3; ++i)
      for (std::int64_t k = 0; k < 4; ++k) {
        const float v = p[(i * 2 + j) * 4 + k];
        s += v;
        a = std::max(a, v);
        b = std::min(b, v);
      }
    sum.data<float>()[j] = static_cast<float>(s);
    mx.data<float>()[j] = a;
    mn.data<float>()[j] = b;
  }
  expect_close(run1("ReduceSum", {x, ints({2}, {0, 2})}), sum, 1e-5f);
  expect_close(run1("ReduceSum", {x}, attrs({{"axes", Ints{0, 2}}})), sum, 1e-5f);
  expect_close(run1("ReduceMax", {x}, attrs({{"axes", Ints{0, -1}}, {"keepdims", std::int64_t{0}}})), mx, 0.0f);
  expect_close(run1("ReduceMin", {x, ints({2}, {0, 2})}), mn, 0.0f);
}

TEST(ReduceKernel, EmptyAxesReduceAllOrNoop) {
  const Tensor x = floats({2, 2}, {1, 2, 3, 4});
  expect_close(run1("ReduceSum", {x}), floats({1, 1}, {10}));
  expect_close(run1("ReduceSum", {x, ints({0}, {})}, attrs({{"noop_with_empty_axes", std::int64_t{1}}})), x);
  expect_ints(run1("ReduceProd", {ints({3}, {2, 3, 4})}, attrs({{"keepdims", std::int64_t{0}}})), {}, {24});
}

TEST(ReduceKernel, ArgMax) {
  expect_ints(run1("ArgMax", {floats({2, 3}, {1, 5, 2, 7, 0, 7})}, attrs({{"axis", std::int64_t{1}}})), {2, 1}, {1, 0});
}

}  // namespace
}  // namespace qtune::test
