// Layout/shape ops on small hand-worked tensors (values 0..n-1 so every moved element
// is identifiable) and int64 shape tensors. Exact comparisons.
#include "exec_test_util.h"

namespace qtune::test {
namespace {

using Ints = std::vector<std::int64_t>;

Tensor iota(Shape shape) {
  Tensor t(DType::Float32, std::move(shape));
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

std::vector<float> values(const Tensor& t) { return t.to_float(); }

TEST(ShapeKernel, ReshapeZeroCopiesAndMinusOneInfers) {
  const Tensor x = iota({2, 3, 4});
  EXPECT_EQ(run1("Reshape", {x, ints({2}, {0, -1})}).shape(), (Shape{2, 12}));
  EXPECT_EQ(run1("Reshape", {x, ints({3}, {4, 0, -1})}).shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(values(run1("Reshape", {x, ints({1}, {-1})})), values(x));
  EXPECT_THROW(run1("Reshape", {x, ints({2}, {5, -1})}), Error);
  // allowzero: a 0 is a real zero-sized dim.
  EXPECT_EQ(run1("Reshape", {Tensor(DType::Float32, {0, 3}), ints({2}, {3, 0})}, attrs({{"allowzero", std::int64_t{1}}})).shape(),
            (Shape{3, 0}));
}

TEST(ShapeKernel, FlattenSqueezeUnsqueeze) {
  const Tensor x = iota({2, 3, 4, 5});
  EXPECT_EQ(run1("Flatten", {x}, attrs({{"axis", std::int64_t{2}}})).shape(), (Shape{6, 20}));
  EXPECT_EQ(run1("Flatten", {x}, attrs({{"axis", std::int64_t{0}}})).shape(), (Shape{1, 120}));
  EXPECT_EQ(run1("Flatten", {x}, attrs({{"axis", std::int64_t{-1}}})).shape(), (Shape{24, 5}));
  const Tensor y = iota({1, 3, 1, 2});
  EXPECT_EQ(run1("Squeeze", {y}).shape(), (Shape{3, 2}));
  EXPECT_EQ(run1("Squeeze", {y, ints({1}, {-2})}).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(run1("Squeeze", {y}, attrs({{"axes", Ints{0}}})).shape(), (Shape{3, 1, 2}));
  EXPECT_THROW(run1("Squeeze", {y, ints({1}, {1})}), Error);
  EXPECT_EQ(run1("Unsqueeze", {iota({2, 3}), ints({2}, {0, -1})}).shape(), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(run1("Unsqueeze", {iota({2, 3})}, attrs({{"axes", Ints{1}}})).shape(), (Shape{2, 1, 3}));
}

TEST(ShapeKernel, TransposeWithPermAndDefault) {
  const Tensor x = iota({2, 3, 4});
  const Tensor y = run1("Transpose", {x}, attrs({{"perm", Ints{2, 0, 1}}}));
  ASSERT_EQ(y.shape(), (Shape{4, 2, 3}));
  for (std::int64_t k = 0; k < 4; ++k)
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 3; ++j) EXPECT_EQ(y.data<float>()[(k * 2 + i) * 3 + j], float((i * 3 + j) * 4 + k));
  const Tensor r = run1("Transpose", {x});
  ASSERT_EQ(r.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(r.data<float>()[(3 * 3 + 1) * 2 + 1], float((1 * 3 + 1) * 4 + 3));
}

TEST(ShapeKernel, ConcatAndSplit) {
  const Tensor a = floats({2, 1, 2}, {0, 1, 2, 3}), b = floats({2, 2, 2}, {10, 11, 12, 13, 14, 15, 16, 17});
  const Tensor c = run1("Concat", {a, b}, attrs({{"axis", std::int64_t{1}}}));
  EXPECT_EQ(c.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(values(c), (std::vector<float>{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}));
  expect_ints(run1("Concat", {ints({1}, {-1}), ints({2}, {3, 4})}, attrs({{"axis", std::int64_t{0}}})), {3}, {-1, 3, 4});

  const auto parts = run_op("Split", {c, ints({2}, {1, 2})}, attrs({{"axis", std::int64_t{1}}}), 2);
  EXPECT_EQ(values(parts[0]), values(a));
  EXPECT_EQ(values(parts[1]), values(b));
  const auto halves = run_op("Split", {iota({4, 3})}, {}, 2);  // equal split on axis 0
  EXPECT_EQ(values(halves[1]), (std::vector<float>{6, 7, 8, 9, 10, 11}));
  const auto by_attr = run_op("Split", {iota({5})}, attrs({{"split", Ints{3, 2}}}), 2);
  EXPECT_EQ(values(by_attr[1]), (std::vector<float>{3, 4}));
  const auto uneven = run_op("Split", {iota({5})}, attrs({{"num_outputs", std::int64_t{2}}}), 2);  // 3 + 2
  EXPECT_EQ(values(uneven[0]), (std::vector<float>{0, 1, 2}));
}

TEST(ShapeKernel, SliceNegativeIndicesStepsAndClamping) {
  const Tensor x = iota({10});
  EXPECT_EQ(values(run1("Slice", {x, ints({1}, {8}), ints({1}, {1}), ints({1}, {0}), ints({1}, {-3})})),
            (std::vector<float>{8, 5, 2}));
  EXPECT_EQ(values(run1("Slice", {x, ints({1}, {-1}), ints({1}, {-100}), std::nullopt, ints({1}, {-1})})),
            (std::vector<float>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(run1("Slice", {x, ints({1}, {-3}), ints({1}, {1000})})), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(run1("Slice", {x, ints({1}, {5}), ints({1}, {2})}).shape(), (Shape{0}));
  const Tensor m = iota({3, 4});
  const Tensor s = run1("Slice", {m, ints({2}, {1, 3}), ints({2}, {3, -100}), ints({2}, {-1, 0}), ints({2}, {1, -2})});
  // axis -1: cols 1..2; axis 0: start 3 -> 2, end -100 -> -1, step -2: rows 2, 0.
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(s), (std::vector<float>{9, 10, 1, 2}));
}

TEST(ShapeKernel, GatherNegativeAndInt32Indices) {
  const Tensor x = iota({3, 2});
  EXPECT_EQ(values(run1("Gather", {x, ints({2}, {-1, 0})})), (std::vector<float>{4, 5, 0, 1}));
  const Tensor idx32 = Tensor::from<std::int32_t>({2, 1}, {1, -2});
  const Tensor g = run1("Gather", {x, idx32}, attrs({{"axis", std::int64_t{1}}}));
  EXPECT_EQ(g.shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(values(g), (std::vector<float>{1, 0, 3, 2, 5, 4}));
  expect_ints(run1("Gather", {ints({4}, {1, 3, 224, 224}), ints({}, {1})}), {}, {3});  // scalar index: shape arithmetic
  EXPECT_THROW(run1("Gather", {x, ints({1}, {3})}), Error);
}

TEST(ShapeKernel, PadModes) {
  const Tensor row = floats({4}, {1, 2, 3, 4});
  EXPECT_EQ(values(run1("Pad", {row, ints({2}, {2, 1}), floats({}, {9})})), (std::vector<float>{9, 9, 1, 2, 3, 4, 9}));
  EXPECT_EQ(values(run1("Pad", {row, ints({2}, {2, 1})}, attrs({{"mode", std::string("reflect")}}))),
            (std::vector<float>{3, 2, 1, 2, 3, 4, 3}));
  EXPECT_EQ(values(run1("Pad", {row, ints({2}, {2, 1})}, attrs({{"mode", std::string("edge")}}))),
            (std::vector<float>{1, 1, 1, 2, 3, 4, 4}));
  // 2-D: one row after, one column before and two after; constant 0.
  const Tensor p = run1("Pad", {floats({2, 2}, {1, 2, 3, 4}), ints({4}, {0, 1, 1, 2})});
  EXPECT_EQ(p.shape(), (Shape{3, 5}));
  EXPECT_EQ(values(p), (std::vector<float>{0, 1, 2, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(ShapeKernel, ShapeConstantOfShapeCastExpandTile) {
  const Tensor x = iota({2, 3, 4, 5});
  expect_ints(run1("Shape", {x}), {4}, {2, 3, 4, 5});
  expect_ints(run1("Shape", {x}, attrs({{"start", std::int64_t{1}}, {"end", std::int64_t{-1}}})), {2}, {3, 4});
  Attributes value;
  value.set("value", Tensor::from<std::int64_t>({1}, {7}));
  expect_ints(run1("ConstantOfShape", {ints({2}, {2, 3})}, value), {2, 3}, {7, 7, 7, 7, 7, 7});
  const Tensor zeros = run1("ConstantOfShape", {ints({1}, {3})});
  EXPECT_EQ(zeros.dtype(), DType::Float32);
  EXPECT_EQ(values(zeros), (std::vector<float>{0, 0, 0}));
  expect_ints(run1("Cast", {floats({2}, {1.7f, -1.7f})}, attrs({{"to", std::int64_t{7}}})), {2}, {1, -1});
  const Tensor e = run1("Expand", {floats({3, 1}, {1, 2, 3}), ints({3}, {2, 1, 4})});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(values(e), (std::vector<float>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  const Tensor t = run1("Tile", {floats({2, 2}, {1, 2, 3, 4}), ints({2}, {2, 2})});
  EXPECT_EQ(t.shape(), (Shape{4, 4}));
  EXPECT_EQ(values(t), (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}));
}

TEST(ShapeKernel, IdentityDropoutDepthToSpace) {
  const Tensor x = iota({1, 4, 1, 1});
  EXPECT_EQ(values(run1("Identity", {x})), values(x));
  EXPECT_EQ(values(run1("Dropout", {x})), values(x));
  // DCR, blocksize 2: channels (0,1,2,3) -> 2x2 block [[0,1],[2,3]].
  const Tensor d = run1("DepthToSpace", {x}, attrs({{"blocksize", std::int64_t{2}}}));
  EXPECT_EQ(d.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(values(d), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(values(run1("SpaceToDepth", {d}, attrs({{"blocksize", std::int64_t{2}}}))), values(x));
}

}  // namespace
}  // namespace qtune::test
