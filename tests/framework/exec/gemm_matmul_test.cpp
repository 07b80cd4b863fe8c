// Gemm and MatMul against a naive triple loop with explicit broadcast index arithmetic.
// Tolerance 1e-4 relative (float sums in a different order than the double reference).
#include "exec_test_util.h"

namespace qtune::test {
namespace {

// a (m x k) times b (k x n), row-major, optional transposes of the stored operands.
std::vector<double> naive_mm(const float* a, const float* b, std::int64_t m, std::int64_t k, std::int64_t n,
                             bool ta = false, bool tb = false) {
  std::vector<double> y(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t p = 0; p < k; ++p)
        y[static_cast<std::size_t>(i * n + j)] += double(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
  return y;
}

TEST(GemmKernel, TransposesAlphaBetaAndBroadcastC) {
  const std::int64_t m = 5, k = 7, n = 3;
  const Tensor a = random_tensor({k, m}, 1);  // transA
  const Tensor b = random_tensor({n, k}, 2);  // transB
  const Tensor c_row = random_tensor({n}, 3);
  const Tensor c_col = random_tensor({m, 1}, 4);
  const auto prod = naive_mm(a.data<float>(), b.data<float>(), m, k, n, true, true);
  for (const Tensor* c : {&c_row, &c_col}) {
    const Tensor y = run1("Gemm", {a, b, *c},
                          attrs({{"transA", std::int64_t{1}}, {"transB", std::int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}}));
    Tensor ref(DType::Float32, {m, n});
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        const float cv = c == &c_row ? c_row.data<float>()[j] : c_col.data<float>()[i];
        ref.data<float>()[i * n + j] = static_cast<float>(0.5 * prod[static_cast<std::size_t>(i * n + j)] + 2.0 * cv);
      }
    expect_close(y, ref, 1e-4f);
  }
}

TEST(GemmKernel, PlainAndManyRows) {
  const std::int64_t m = 300, k = 64, n = 70;  // several row tiles
  const Tensor a = random_tensor({m, k}, 5);
  const Tensor b = random_tensor({k, n}, 6);
  const Tensor y = run1("Gemm", {a, b});
  const auto prod = naive_mm(a.data<float>(), b.data<float>(), m, k, n);
  Tensor ref(DType::Float32, {m, n});
  for (std::size_t i = 0; i < prod.size(); ++i) ref.data<float>()[i] = static_cast<float>(prod[i]);
  expect_close(y, ref, 1e-4f);
}

TEST(MatMulKernel, BatchBroadcastAndOneDimensionalOperands) {
  // [2,1,3,4] x [3,4,5] -> [2,3,3,5]: A's dim 1 broadcasts over B's batch of 3.
  const Tensor a = random_tensor({2, 1, 3, 4}, 7);
  const Tensor b = random_tensor({3, 4, 5}, 8);
  const Tensor y = run1("MatMul", {a, b});
  Tensor ref(DType::Float32, {2, 3, 3, 5});
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j) {
      const auto prod = naive_mm(a.data<float>() + i * 12, b.data<float>() + j * 20, 3, 4, 5);
      for (std::size_t e = 0; e < prod.size(); ++e) ref.data<float>()[(i * 3 + j) * 15 + static_cast<std::int64_t>(e)] = static_cast<float>(prod[e]);
    }
  expect_close(y, ref, 1e-4f);

  // 1-D x 2-D -> [n]; 3-D x 1-D -> [batch, m].
  const Tensor v = random_tensor({4}, 9);
  const Tensor m2 = random_tensor({4, 5}, 10);
  const auto vm = naive_mm(v.data<float>(), m2.data<float>(), 1, 4, 5);
  expect_close(run1("MatMul", {v, m2}), floats({5}, std::vector<float>(vm.begin(), vm.end())), 1e-4f);
  const Tensor a3 = random_tensor({2, 3, 4}, 11);
  std::vector<float> mv;
  for (std::int64_t i = 0; i < 2; ++i) {
    const auto p = naive_mm(a3.data<float>() + i * 12, v.data<float>(), 3, 4, 1);
    mv.insert(mv.end(), p.begin(), p.end());
  }
  expect_close(run1("MatMul", {a3, v}), floats({2, 3}, mv), 1e-4f);
}

TEST(MatMulKernel, InnerDimMismatchNamesOp) {
  try {
    run1("MatMul", {random_tensor({2, 3}, 1), random_tensor({4, 2}, 2)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("op 'the_op' (MatMul)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qtune::test
