// Gemm and MatMul backward against finite differences.
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

TEST(GemmGradient, EveryTransposeWithAlphaBetaAndBroadcastC) {
  const std::int64_t m = 3, k = 5, n = 4;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (const Shape& cs : {Shape{n}, Shape{m, n}, Shape{m, 1}}) {
        GradCase c;
        c.type = "Gemm";
        c.inputs = {uniform_tensor(ta ? Shape{k, m} : Shape{m, k}, 1), uniform_tensor(tb ? Shape{n, k} : Shape{k, n}, 2),
                    uniform_tensor(cs, 3)};
        c.attributes = attrs({{"transA", std::int64_t{ta}}, {"transB", std::int64_t{tb}}, {"alpha", 0.7f}, {"beta", 1.5f}});
        c.check = {0, 1, 2};
        SCOPED_TRACE(testing::Message() << "transA " << ta << " transB " << tb << " C " << shape_str(cs));
        check_gradient(c);
      }
}

TEST(MatMulGradient, TwoDimensional) {
  GradCase c;
  c.type = "MatMul";
  c.inputs = {uniform_tensor({4, 6}, 1), uniform_tensor({6, 3}, 2)};
  c.check = {0, 1};
  check_gradient(c);
}

TEST(MatMulGradient, BatchedWithBroadcastWeight) {
  GradCase c;
  c.type = "MatMul";
  c.inputs = {uniform_tensor({2, 3, 4, 5}, 1), uniform_tensor({5, 2}, 2)};
  c.check = {0, 1};
  check_gradient(c);
  c.inputs = {uniform_tensor({1, 4, 5}, 3), uniform_tensor({3, 5, 2}, 4)};  // A broadcast over batch
  check_gradient(c);
}

TEST(MatMulGradient, OneDimensionalOperands) {
  GradCase c;
  c.type = "MatMul";
  c.inputs = {uniform_tensor({5}, 1), uniform_tensor({5, 3}, 2)};
  c.check = {0, 1};
  check_gradient(c);
  c.inputs = {uniform_tensor({2, 5}, 3), uniform_tensor({5}, 4)};
  check_gradient(c);
}

}  // namespace
}  // namespace qtune::gradtest
