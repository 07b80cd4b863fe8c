// ESP-DL weight layouts checked element by element against index formulas written from
// the reference (§5.6): P4/S3 (N/A)HWC(A) blocks with the NHWC (or depthwise CHWN) tail,
// C NHWC / HWCN, Conv1d, Gemm with and without transB, MatMul with a batch of matrices.
#include "export/weight_layout.h"

#include <gtest/gtest.h>

namespace qtune {
namespace {

// A [n,c,h,w] int16 filter whose element (o,i,y,x) holds a unique value.
Tensor filter(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  Tensor t(DType::Int16, {n, c, h, w});
  for (std::int64_t k = 0; k < t.numel(); ++k) t.data<std::int16_t>()[k] = static_cast<std::int16_t>(k);
  return t;
}

std::int16_t id(std::int64_t o, std::int64_t i, std::int64_t y, std::int64_t x, std::int64_t c, std::int64_t h, std::int64_t w) {
  return static_cast<std::int16_t>(((o * c + i) * h + y) * w + x);
}

// Expected memory of the P4/S3 layout (A lanes); depthwise tail as [C][H][W][n_rem].
std::vector<std::int16_t> blocked(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t a, bool depthwise) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(n * c * h * w));
  const std::int64_t aligned = n / a * a, rem = n - aligned, base = aligned * h * w * c;
  for (std::int64_t o = 0; o < n; ++o)
    for (std::int64_t i = 0; i < c; ++i)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) {
          std::int64_t flat;
          if (o < aligned) flat = ((((o / a) * h + y) * w + x) * c + i) * a + o % a;
          else if (!depthwise) flat = base + (((o - aligned) * h + y) * w + x) * c + i;
          else flat = base + ((i * h + y) * w + x) * rem + (o - aligned);
          out[static_cast<std::size_t>(flat)] = id(o, i, y, x, c, h, w);
        }
  return out;
}

std::vector<std::int16_t> values(const Tensor& t) {
  auto v = t.values<std::int16_t>();
  return {v.begin(), v.end()};
}

TEST(WeightLayout, P4BlocksOf16ForInt8AndTail) {
  const Tensor w = filter(20, 3, 3, 2);  // 16 aligned + 4 left
  const WeightLayout l = conv_filter_layout(w, 1, TargetFamily::P4, 8);
  EXPECT_EQ(l.annotation, "(N/16)HWC16_UNALIGNED");
  EXPECT_EQ(l.value.shape(), (Shape{3, 2, 3, 20}));  // [H,W,C,N]
  EXPECT_EQ(values(l.value), blocked(20, 3, 3, 2, 16, false));
}

TEST(WeightLayout, Int16UsesBlocksOf8) {
  const WeightLayout l = conv_filter_layout(filter(16, 2, 1, 1), 1, TargetFamily::S3, 16);
  EXPECT_EQ(l.annotation, "(N/8)HWC8");
  EXPECT_EQ(values(l.value), blocked(16, 2, 1, 1, 8, false));
}

TEST(WeightLayout, DepthwiseTailAndDims) {
  const WeightLayout l = conv_filter_layout(filter(19, 1, 3, 3), 19, TargetFamily::P4, 8);
  EXPECT_EQ(l.annotation, "(N/16)HWC16_UNALIGNED");
  EXPECT_EQ(l.value.shape(), (Shape{3, 3, 19, 1}));  // [H,W,N,C]
  EXPECT_EQ(values(l.value), blocked(19, 1, 3, 3, 16, true));
  // Fewer channels than one block: all of them are the tail.
  EXPECT_EQ(values(conv_filter_layout(filter(5, 1, 3, 3), 5, TargetFamily::P4, 8).value), blocked(5, 1, 3, 3, 16, true));
}

TEST(WeightLayout, CTargetsNhwcAndHwcn) {
  const std::int64_t n = 5, c = 3, h = 2, w = 2;
  const WeightLayout plain = conv_filter_layout(filter(n, c, h, w), 1, TargetFamily::C, 8);
  EXPECT_EQ(plain.annotation, "NHWC");
  EXPECT_EQ(plain.value.shape(), (Shape{h, w, c, n}));
  std::vector<std::int16_t> nhwc(static_cast<std::size_t>(n * c * h * w)), hwcn = nhwc;
  for (std::int64_t o = 0; o < n; ++o)
    for (std::int64_t i = 0; i < c; ++i)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) {
          nhwc[static_cast<std::size_t>(((o * h + y) * w + x) * c + i)] = id(o, i, y, x, c, h, w);
          hwcn[static_cast<std::size_t>(((y * w + x) * c + i) * n + o)] = id(o, i, y, x, c, h, w);
        }
  EXPECT_EQ(values(plain.value), nhwc);
  const WeightLayout dw = conv_filter_layout(filter(n, c, h, w), 2, TargetFamily::C, 8);
  EXPECT_EQ(dw.annotation, "HWCN");
  EXPECT_EQ(dw.value.shape(), (Shape{h, w, n, c}));
  EXPECT_EQ(values(dw.value), hwcn);
}

TEST(WeightLayout, Conv1d) {
  Tensor w(DType::Int16, {17, 2, 3});  // [N,C,W]
  for (std::int64_t k = 0; k < w.numel(); ++k) w.data<std::int16_t>()[k] = static_cast<std::int16_t>(k);
  const WeightLayout l = conv_filter_layout(w, 1, TargetFamily::P4, 8);
  EXPECT_EQ(l.annotation, "(N/16)WC16_UNALIGNED");
  EXPECT_EQ(l.value.shape(), (Shape{3, 2, 17}));
  EXPECT_EQ(values(l.value), blocked(17, 2, 1, 3, 16, false));  // H = 1
  EXPECT_EQ(conv_filter_layout(w, 1, TargetFamily::C, 8).annotation, "NWC");
}

TEST(WeightLayout, GemmWithAndWithoutTransB) {
  const std::int64_t n = 18, c = 4;
  Tensor nc(DType::Int16, {n, c});  // transB = 1: [N, C]
  Tensor cn(DType::Int16, {c, n});  // transB = 0: [C, N]
  for (std::int64_t o = 0; o < n; ++o)
    for (std::int64_t i = 0; i < c; ++i) {
      nc.data<std::int16_t>()[o * c + i] = id(o, i, 0, 0, c, 1, 1);
      cn.data<std::int16_t>()[i * n + o] = id(o, i, 0, 0, c, 1, 1);
    }
  const auto expected = blocked(n, c, 1, 1, 16, false);
  for (const auto& l : {gemm_weight_layout(nc, true, TargetFamily::P4, 8), gemm_weight_layout(cn, false, TargetFamily::P4, 8)}) {
    EXPECT_EQ(l.annotation, "(N/16)HWC16_UNALIGNED");
    EXPECT_EQ(l.value.shape(), (Shape{1, 1, c, n}));
    EXPECT_EQ(values(l.value), expected);
  }
}

TEST(WeightLayout, MatMulLaysOutEachMatrixAndKeepsDims) {
  const std::int64_t c = 3, n = 16;
  Tensor b(DType::Int16, {2, c, n});
  for (std::int64_t k = 0; k < b.numel(); ++k) b.data<std::int16_t>()[k] = static_cast<std::int16_t>(k);
  const WeightLayout l = matmul_weight_layout(b, TargetFamily::P4, 8);
  EXPECT_EQ(l.value.shape(), b.shape());
  EXPECT_EQ(l.annotation, "(N/16)HWC16");
  for (std::int64_t m = 0; m < 2; ++m) {
    Tensor one(DType::Int16, {c, n});
    std::copy_n(b.data<std::int16_t>() + m * c * n, c * n, one.data<std::int16_t>());
    const auto want = values(gemm_weight_layout(one, false, TargetFamily::P4, 8).value);
    const std::vector<std::int16_t> got(l.value.data<std::int16_t>() + m * c * n, l.value.data<std::int16_t>() + (m + 1) * c * n);
    EXPECT_EQ(got, want) << "matrix " << m;
  }
}

}  // namespace
}  // namespace qtune
