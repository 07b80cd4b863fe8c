// Pooling on hand-worked 4x4/5x5 examples: ceil_mode, count_include_pad, pads,
// strides, dilation; global pools against direct sums. Exact up to 1e-6.
#include "exec_test_util.h"

namespace qtune::test {
namespace {

Tensor iota(Shape shape) {
  Tensor t(DType::Float32, std::move(shape));
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i + 1);
  return t;
}

using Ints = std::vector<std::int64_t>;

TEST(PoolingKernel, MaxPoolCeilModeAndPads) {
  // 1..16 in 4x4, kernel 2, stride 2: floor mode [6 8; 14 16].
  const Tensor x = iota({1, 1, 4, 4});
  expect_close(run1("MaxPool", {x}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})),
               floats({1, 1, 2, 2}, {6, 8, 14, 16}));
  // Kernel 3 stride 2 on 4x4: floor gives 1x1 [11], ceil_mode gives 2x2 [11 12; 15 16].
  expect_close(run1("MaxPool", {x}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}})), floats({1, 1, 1, 1}, {11}));
  expect_close(run1("MaxPool", {x}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", std::int64_t{1}}})),
               floats({1, 1, 2, 2}, {11, 12, 15, 16}));
  // Pads 1, kernel 3, stride 2 on 4x4 -> 2x2: windows rows {-1..1},{1..3}: [6 8; 14 16].
  expect_close(run1("MaxPool", {x}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})),
               floats({1, 1, 2, 2}, {6, 8, 14, 16}));
}

TEST(PoolingKernel, MaxPoolDilation) {
  // 5x5 of 1..25, kernel 2 dilation 2 stride 1: window {r, r+2} x {c, c+2}; max = x[r+2][c+2].
  const Tensor y = run1("MaxPool", {iota({1, 1, 5, 5})}, attrs({{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}}));
  expect_close(y, floats({1, 1, 3, 3}, {13, 14, 15, 18, 19, 20, 23, 24, 25}));
}

TEST(PoolingKernel, AveragePoolCountIncludePadAndCeilMode) {
  const Tensor x = iota({1, 1, 4, 4});
  const Attributes base = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  // Window (0,0) covers rows/cols -1..1: input 1,2,5,6 (sum 14); 4 valid of 9.
  Attributes exclude = base;
  const Tensor ye = run1("AveragePool", {x}, exclude);
  // Window (0,1) rows -1..1, cols 1..3: 2,3,4,6,7,8 (sum 30, 6 valid); (1,0): 5,6,9,10,13,14 (57, 6);
  // (1,1): 6,7,8,10,11,12,14,15,16 (99, 9).
  expect_close(ye, floats({1, 1, 2, 2}, {14.0f / 4, 30.0f / 6, 57.0f / 6, 99.0f / 9}), 1e-6f);
  Attributes include = base;
  include.set("count_include_pad", std::int64_t{1});
  expect_close(run1("AveragePool", {x}, include), floats({1, 1, 2, 2}, {14.0f / 9, 30.0f / 9, 57.0f / 9, 99.0f / 9}), 1e-6f);
  // ceil_mode, kernel 3 stride 2, no pads on 4x4: last window starts at 2 and overhangs by one;
  // the overhang beyond the input is not counted even with count_include_pad.
  Attributes ceil = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", std::int64_t{1}},
                           {"count_include_pad", std::int64_t{1}}});
  // (0,0): 1,2,3,5,6,7,9,10,11 = 54/9; (0,1): 3,4,7,8,11,12 = 45/6; (1,0): 9,10,11,13,14,15 = 72/6; (1,1): 11,12,15,16 = 54/4.
  expect_close(run1("AveragePool", {x}, ceil), floats({1, 1, 2, 2}, {6, 7.5f, 12, 13.5f}), 1e-6f);
}

TEST(PoolingKernel, OneDimensionalAndGlobalPools) {
  const Tensor x1 = iota({1, 2, 5});
  expect_close(run1("AveragePool", {x1}, attrs({{"kernel_shape", Ints{2}}, {"strides", Ints{2}}})),
               floats({1, 2, 2}, {1.5f, 3.5f, 6.5f, 8.5f}));
  const Tensor x = random_tensor({2, 3, 5, 7}, 3);
  Tensor mean(DType::Float32, {2, 3, 1, 1}), mx(DType::Float32, {2, 3, 1, 1});
  for (std::int64_t p = 0; p < 6; ++p) {
    double s = 0;
    float m = -1e30f;
    for (std::int64_t i = 0; i < 35; ++i) {
      s += x.data<float>()[p * 35 + i];
      m = std::max(m, x.data<float>()[p * 35 + i]);
    }
    mean.data<float>()[p] = static_cast<float>(s / 35);
    mx.data<float>()[p] = m;
  }
  expect_close(run1("GlobalAveragePool", {x}), mean, 1e-5f);
  expect_close(run1("GlobalMaxPool", {x}), mx, 0.0f);
}

}  // namespace
}  // namespace qtune::test
