// Broadcasting binary ops, comparisons, Where and int64 arithmetic against explicit
// index arithmetic written here. Exact for + - * on small values; 1e-6 otherwise.
#include <cmath>

#include "exec_test_util.h"

namespace qtune::test {
namespace {

// Reference broadcast: element of `t` (any rank <= out rank) at output multi-index.
float at_broadcast(const Tensor& t, const Shape& out, std::int64_t flat) {
  std::vector<std::int64_t> idx(out.size());
  for (std::size_t d = out.size(); d-- > 0;) {
    idx[d] = flat % out[d];
    flat /= out[d];
  }
  std::int64_t off = 0;
  const std::size_t lead = out.size() - t.rank();
  for (std::size_t d = 0; d < t.rank(); ++d) off = off * t.shape()[d] + (t.shape()[d] == 1 ? 0 : idx[d + lead]);
  return t.data<float>()[off];
}

template <class F>
void check_binary(const std::string& type, Shape as, Shape bs, Shape out, F f, std::uint32_t seed) {
  const Tensor a = random_tensor(as, seed, 0.5f, 2.0f), b = random_tensor(bs, seed + 7, 0.5f, 2.0f);
  const Tensor y = run1(type, {a, b});
  Tensor ref(DType::Float32, out);
  for (std::int64_t i = 0; i < ref.numel(); ++i) ref.data<float>()[i] = f(at_broadcast(a, out, i), at_broadcast(b, out, i));
  expect_close(y, ref, 1e-6f);
}

TEST(ElementwiseKernel, ArithmeticWithBroadcasting) {
  auto add = [](float x, float y) { return x + y; };
  check_binary("Add", {2, 3, 4, 5}, {2, 3, 4, 5}, {2, 3, 4, 5}, add, 1);      // same shape
  check_binary("Add", {2, 3, 4, 5}, {1, 3, 1, 1}, {2, 3, 4, 5}, add, 2);      // per channel
  check_binary("Sub", {}, {2, 3}, {2, 3}, [](float x, float y) { return x - y; }, 3);  // scalar lhs
  check_binary("Mul", {3, 1, 5}, {4, 1}, {3, 4, 5}, [](float x, float y) { return x * y; }, 4);  // both broadcast
  check_binary("Div", {2, 1, 4, 1}, {3, 1, 6}, {2, 3, 4, 6}, [](float x, float y) { return x / y; }, 5);
  check_binary("Max", {5, 1}, {1, 7}, {5, 7}, [](float x, float y) { return std::max(x, y); }, 6);
  check_binary("Min", {4, 6}, {6}, {4, 6}, [](float x, float y) { return std::min(x, y); }, 7);
  check_binary("Pow", {3, 4}, {4}, {3, 4}, [](float x, float y) { return std::pow(x, y); }, 8);
}

TEST(ElementwiseKernel, PowSquareFastPathAndIncompatibleShapes) {
  expect_close(run1("Pow", {floats({3}, {-2, 0.5f, 3}), floats({}, {2})}), floats({3}, {4, 0.25f, 9}));
  try {
    run1("Add", {random_tensor({2, 3}, 1), random_tensor({4}, 2)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("op 'the_op' (Add)"), std::string::npos) << e.what();
  }
}

TEST(ElementwiseKernel, Int64ShapeArithmetic) {
  expect_ints(run1("Mul", {ints({3}, {2, 3, 4}), ints({}, {5})}), {3}, {10, 15, 20});
  expect_ints(run1("Div", {ints({2}, {7, -7}), ints({1}, {2})}), {2}, {3, -3});  // truncation as C++ / ONNX Runtime
  expect_ints(run1("Sub", {ints({2, 1}, {10, 20}), ints({2}, {1, 2})}), {2, 2}, {9, 8, 19, 18});
}

TEST(ElementwiseKernel, ComparisonsAndWhere) {
  const Tensor a = floats({2, 2}, {1, 2, 3, 4});
  const Tensor b = floats({2}, {2, 2});
  auto bools = [](const Tensor& t) { return t.to_int64(); };
  EXPECT_EQ(run1("Equal", {a, b}).dtype(), DType::Bool);
  EXPECT_EQ(bools(run1("Equal", {a, b})), (std::vector<std::int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(bools(run1("Greater", {a, b})), (std::vector<std::int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(bools(run1("Less", {a, b})), (std::vector<std::int64_t>{1, 0, 0, 0}));
  EXPECT_EQ(bools(run1("GreaterOrEqual", {a, b})), (std::vector<std::int64_t>{0, 1, 1, 1}));
  EXPECT_EQ(bools(run1("Equal", {ints({2}, {3, 4}), ints({}, {4})})), (std::vector<std::int64_t>{0, 1}));
  // Where: condition [2,1] broadcast against x [2,2] and scalar y.
  const Tensor cond = Tensor::from<bool>({2, 1}, {true, false});
  expect_close(run1("Where", {cond, a, floats({}, {-1})}), floats({2, 2}, {1, 2, -1, -1}));
}

TEST(ElementwiseKernel, VariadicSumMeanMax) {
  const Tensor a = floats({2}, {1, 5}), b = floats({2}, {3, 2}), c = floats({1}, {4});
  expect_close(run1("Sum", {a, b, c}), floats({2}, {8, 11}));
  expect_close(run1("Mean", {a, b, c}), floats({2}, {8.0f / 3, 11.0f / 3}));
  expect_close(run1("Max", {a, b, c}), floats({2}, {4, 5}));
}

TEST(ElementwiseKernel, LargeBroadcastRunsInParallelChunks) {
  // 64 x 3 x 50 x 50 elements: several TBB chunks of rows, per-channel operand.
  check_binary("Mul", {64, 3, 50, 50}, {3, 1, 1}, {64, 3, 50, 50}, [](float x, float y) { return x * y; }, 9);
  check_binary("Add", {64, 3, 50, 50}, {64, 3, 50, 50}, {64, 3, 50, 50}, [](float x, float y) { return x + y; }, 10);
}

}  // namespace
}  // namespace qtune::test
