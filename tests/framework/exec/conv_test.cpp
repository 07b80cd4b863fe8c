// Conv and ConvTranspose against naive loop references written here (7-loop direct
// convolution; scatter for the transpose). Tolerance 1e-4 relative: float sums of up
// to a few hundred products in a different order.
#include "exec_test_util.h"

namespace qtune::test {
namespace {

struct Geometry {
  std::int64_t group = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
};

// Naive NCHW convolution (a 1-D conv is passed as H = 1).
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const Geometry& g) {
  const auto n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const auto m = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const auto oh = (h + g.pt + g.pb - g.dh * (kh - 1) - 1) / g.sh + 1;
  const auto ow = (wd + g.pl + g.pr - g.dw * (kw - 1) - 1) / g.sw + 1;
  Tensor y(DType::Float32, {n, m, oh, ow});
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  float* py = y.data<float>();
  const auto mg = m / g.group;
  for (std::int64_t in = 0; in < n; ++in)
    for (std::int64_t om = 0; om < m; ++om)
      for (std::int64_t r = 0; r < oh; ++r)
        for (std::int64_t q = 0; q < ow; ++q) {
          double acc = b ? b->data<float>()[om] : 0.0;
          const auto grp = om / mg;
          for (std::int64_t ic = 0; ic < cg; ++ic)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const auto ih = r * g.sh - g.pt + i * g.dh, iw = q * g.sw - g.pl + j * g.dw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                acc += double(px[((in * c + grp * cg + ic) * h + ih) * wd + iw]) * pw[((om * cg + ic) * kh + i) * kw + j];
              }
          py[((in * m + om) * oh + r) * ow + q] = static_cast<float>(acc);
        }
  return y;
}

Attributes conv_attrs(const Geometry& g) {
  return attrs({{"group", g.group},
                {"strides", std::vector<std::int64_t>{g.sh, g.sw}},
                {"dilations", std::vector<std::int64_t>{g.dh, g.dw}},
                {"pads", std::vector<std::int64_t>{g.pt, g.pl, g.pb, g.pr}}});
}

void check_conv(Shape xs, Shape ws, const Geometry& g, bool bias, std::uint32_t seed) {
  const Tensor x = random_tensor(xs, seed);
  const Tensor w = random_tensor(ws, seed + 1);
  const Tensor b = random_tensor({ws[0]}, seed + 2);
  const Tensor y = run1("Conv", {x, w, bias ? std::optional<Tensor>(b) : std::nullopt}, conv_attrs(g));
  expect_close(y, naive_conv(x, w, bias ? &b : nullptr, g), 1e-4f);
}

TEST(ConvKernel, RegularStride2Pad1OddSizesWithBias) {
  check_conv({2, 3, 7, 9}, {5, 3, 3, 3}, {1, 2, 2, 1, 1, 1, 1, 1, 1}, true, 1);
}

TEST(ConvKernel, Groups2Dilation2AsymmetricPads) {
  check_conv({1, 4, 9, 8}, {6, 2, 3, 3}, {2, 1, 1, 2, 2, 1, 2, 2, 1}, true, 2);
}

TEST(ConvKernel, DepthwiseStride2AndChannelMultiplier) {
  check_conv({2, 6, 11, 10}, {6, 1, 3, 3}, {6, 2, 2, 1, 1, 1, 1, 1, 1}, true, 3);
  check_conv({1, 6, 8, 7}, {12, 1, 3, 3}, {6, 1, 1, 2, 2, 2, 2, 2, 2}, false, 4);
  check_conv({1, 4, 9, 9}, {4, 1, 5, 5}, {4, 2, 1, 1, 2, 2, 0, 1, 3}, true, 5);
}

// Rows of 8+ output columns reach the vectorised depthwise path (8 columns per step, with
// a scalar tail): 3x3 and 5x5 at strides 1 and 2 (the specialised cases), then stride 3,
// dilation 2, 7x7, asymmetric pads and a channel multiplier (the generic case).
TEST(ConvKernel, DepthwiseWideRowsVectorisedPath) {
  check_conv({1, 3, 12, 37}, {3, 1, 3, 3}, {3, 1, 1, 1, 1, 1, 1, 1, 1}, true, 21);
  check_conv({2, 4, 9, 41}, {4, 1, 3, 3}, {4, 2, 2, 1, 1, 1, 1, 1, 1}, true, 22);
  check_conv({1, 2, 10, 29}, {2, 1, 5, 5}, {2, 1, 1, 1, 1, 2, 2, 2, 2}, false, 23);
  check_conv({1, 2, 13, 35}, {2, 1, 5, 5}, {2, 2, 2, 1, 1, 2, 2, 2, 2}, true, 24);
  check_conv({1, 3, 11, 40}, {3, 1, 3, 3}, {3, 3, 3, 1, 1, 1, 0, 0, 2}, true, 25);
  check_conv({1, 2, 15, 33}, {2, 1, 3, 3}, {2, 1, 1, 2, 2, 2, 2, 2, 2}, true, 26);
  check_conv({1, 2, 16, 30}, {2, 1, 7, 7}, {2, 1, 1, 1, 1, 3, 1, 2, 3}, false, 27);
  check_conv({1, 3, 10, 26}, {6, 1, 3, 3}, {3, 1, 1, 1, 1, 0, 1, 1, 0}, true, 28);
}

// The direct depthwise path (3x3, left pad 1, stride 1 or 2, rows a multiple of 4 or 8
// wide: MobileNet-style 16x16, 8x8, 4x4 planes) reads the input in place and fills only
// the border lanes; pads top/bottom 0 or 1 and a channel multiplier.
TEST(ConvKernel, DepthwiseDirectPathOnMobileNetPlanes) {
  check_conv({2, 4, 16, 16}, {4, 1, 3, 3}, {4, 1, 1, 1, 1, 1, 1, 1, 1}, true, 31);
  check_conv({1, 3, 16, 16}, {3, 1, 3, 3}, {3, 2, 2, 1, 1, 1, 1, 1, 1}, true, 32);
  check_conv({1, 5, 8, 8}, {5, 1, 3, 3}, {5, 1, 1, 1, 1, 1, 1, 1, 1}, false, 33);
  check_conv({1, 5, 8, 8}, {5, 1, 3, 3}, {5, 2, 2, 1, 1, 1, 1, 0, 1}, true, 34);
  check_conv({3, 6, 4, 4}, {6, 1, 3, 3}, {6, 1, 1, 1, 1, 1, 1, 1, 1}, true, 35);
  check_conv({1, 2, 12, 32}, {2, 1, 3, 3}, {2, 1, 1, 1, 1, 0, 1, 1, 1}, true, 36);
  check_conv({1, 4, 8, 8}, {8, 1, 3, 3}, {4, 1, 1, 1, 1, 1, 1, 1, 1}, true, 37);
}

// Small 1x1 convs take a register-blocked kernel (6 output channels x 16 pixels), large
// ones Eigen's GEMM: remainders in both directions, and one case past the size limit.
TEST(ConvKernel, PointwiseSmallKernelAndLargeFallback) {
  check_conv({1, 33, 8, 8}, {64, 33, 1, 1}, {}, true, 41);
  check_conv({2, 7, 5, 5}, {13, 7, 1, 1}, {}, false, 42);
  check_conv({1, 16, 16, 16}, {24, 16, 1, 1}, {}, true, 43);
  check_conv({1, 128, 24, 24}, {96, 128, 1, 1}, {}, true, 44);
}

TEST(ConvKernel, PointwiseAsPlainGemm) {
  check_conv({3, 16, 5, 7}, {8, 16, 1, 1}, {}, true, 6);
  check_conv({1, 8, 6, 6}, {4, 4, 1, 1}, {2, 1, 1, 1, 1, 0, 0, 0, 0}, false, 7);  // grouped 1x1
  check_conv({1, 8, 7, 7}, {4, 8, 1, 1}, {1, 2, 2, 1, 1, 0, 0, 0, 0}, true, 8);   // strided 1x1: im2col path
}

TEST(ConvKernel, LargeImageSplitIntoRowTiles) {
  // K * out_w = 72 * 70 floats per row: several row tiles per image.
  check_conv({2, 8, 70, 70}, {16, 8, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}, true, 9);
}

TEST(ConvKernel, OneDimensional) {
  const Tensor x = random_tensor({2, 4, 13}, 10);
  const Tensor w = random_tensor({6, 2, 3}, 11);
  const Tensor b = random_tensor({6}, 12);
  const Tensor y = run1("Conv", {x, w, b},
                        attrs({{"group", std::int64_t{2}},
                               {"strides", std::vector<std::int64_t>{2}},
                               {"dilations", std::vector<std::int64_t>{2}},
                               {"pads", std::vector<std::int64_t>{1, 2}}}));
  const Tensor ref = naive_conv(x.reshaped({2, 4, 1, 13}), w.reshaped({6, 2, 1, 3}), &b, {2, 1, 2, 1, 2, 0, 1, 0, 2});
  expect_close(y, ref.reshaped({ref.dim(0), ref.dim(1), ref.dim(3)}), 1e-4f);
}

TEST(ConvKernel, AutoPadSameUpperAndLowerAndValid) {
  // in 8, k 3, stride 2: out 4, total padding (4-1)*2+3-8 = 1, UPPER puts it at the end.
  const Tensor x = random_tensor({1, 2, 8, 8}, 13);
  const Tensor w = random_tensor({3, 2, 3, 3}, 14);
  auto with = [&](const char* mode) {
    return run1("Conv", {x, w, std::nullopt},
                attrs({{"auto_pad", std::string(mode)}, {"strides", std::vector<std::int64_t>{2, 2}}}));
  };
  expect_close(with("SAME_UPPER"), naive_conv(x, w, nullptr, {1, 2, 2, 1, 1, 0, 0, 1, 1}), 1e-4f);
  expect_close(with("SAME_LOWER"), naive_conv(x, w, nullptr, {1, 2, 2, 1, 1, 1, 1, 0, 0}), 1e-4f);
  expect_close(with("VALID"), naive_conv(x, w, nullptr, {1, 2, 2, 1, 1, 0, 0, 0, 0}), 1e-4f);
}

TEST(ConvKernel, HandWorkedValue) {
  // 1x1x3x3 input 1..9, 2x2 kernel of ones, no padding: sums of each 2x2 window.
  const Tensor y = run1("Conv", {floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), floats({1, 1, 2, 2}, {1, 1, 1, 1})});
  expect_close(y, floats({1, 1, 2, 2}, {12, 16, 24, 28}));
}

TEST(ConvKernel, GroupMismatchNamesOp) {
  try {
    run1("Conv", {random_tensor({1, 4, 5, 5}, 1), random_tensor({2, 3, 3, 3}, 2)});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("op 'the_op' (Conv)"), std::string::npos) << e.what();
  }
}

// Naive ConvTranspose: scatter each input element through the kernel.
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const Geometry& g, std::int64_t oph,
                            std::int64_t opw) {
  const auto n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const auto mg = w.dim(1), kh = w.dim(2), kw = w.dim(3), m = mg * g.group, cg = c / g.group;
  const auto oh = g.sh * (h - 1) + oph + (kh - 1) * g.dh + 1 - g.pt - g.pb;
  const auto ow = g.sw * (wd - 1) + opw + (kw - 1) * g.dw + 1 - g.pl - g.pr;
  std::vector<double> acc(static_cast<std::size_t>(n * m * oh * ow), 0.0);
  for (std::int64_t in = 0; in < n; ++in)
    for (std::int64_t ic = 0; ic < c; ++ic)
      for (std::int64_t r = 0; r < h; ++r)
        for (std::int64_t q = 0; q < wd; ++q)
          for (std::int64_t om = 0; om < mg; ++om)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const auto orow = r * g.sh - g.pt + i * g.dh, ocol = q * g.sw - g.pl + j * g.dw;
                if (orow < 0 || orow >= oh || ocol < 0 || ocol >= ow) continue;
                const auto oc = (ic / cg) * mg + om;
                acc[static_cast<std::size_t>(((in * m + oc) * oh + orow) * ow + ocol)] +=
                    double(x.data<float>()[((in * c + ic) * h + r) * wd + q]) * w.data<float>()[((ic * mg + om) * kh + i) * kw + j];
              }
  Tensor y(DType::Float32, {n, m, oh, ow});
  for (std::size_t i = 0; i < acc.size(); ++i)
    y.data<float>()[i] = static_cast<float>(acc[i] + (b ? b->data<float>()[(i / static_cast<std::size_t>(oh * ow)) % static_cast<std::size_t>(m)] : 0.0));
  return y;
}

TEST(ConvTransposeKernel, Stride2Pad1OutputPadding) {
  const Tensor x = random_tensor({2, 3, 5, 4}, 20);
  const Tensor w = random_tensor({3, 4, 3, 3}, 21);
  const Tensor b = random_tensor({4}, 22);
  const Tensor y = run1("ConvTranspose", {x, w, b},
                        attrs({{"strides", std::vector<std::int64_t>{2, 2}},
                               {"pads", std::vector<std::int64_t>{1, 1, 1, 1}},
                               {"output_padding", std::vector<std::int64_t>{1, 0}}}));
  expect_close(y, naive_conv_transpose(x, w, &b, {1, 2, 2, 1, 1, 1, 1, 1, 1}, 1, 0), 1e-4f);
}

TEST(ConvTransposeKernel, Groups2Dilation2AsymmetricPads) {
  const Tensor x = random_tensor({1, 4, 6, 5}, 23);
  const Tensor w = random_tensor({4, 3, 3, 2}, 24);
  const Tensor y = run1("ConvTranspose", {x, w},
                        attrs({{"group", std::int64_t{2}},
                               {"dilations", std::vector<std::int64_t>{2, 2}},
                               {"strides", std::vector<std::int64_t>{1, 3}},
                               {"pads", std::vector<std::int64_t>{0, 1, 2, 0}}}));
  expect_close(y, naive_conv_transpose(x, w, nullptr, {2, 1, 3, 2, 2, 0, 1, 2, 0}, 0, 0), 1e-4f);
}

TEST(ConvTransposeKernel, ManyChannelsSplitIntoTiles) {
  const Tensor x = random_tensor({1, 16, 9, 9}, 25);
  const Tensor w = random_tensor({16, 24, 4, 4}, 26);
  const Tensor y = run1("ConvTranspose", {x, w},
                        attrs({{"strides", std::vector<std::int64_t>{2, 2}}, {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}));
  expect_close(y, naive_conv_transpose(x, w, nullptr, {1, 2, 2, 1, 1, 1, 1, 1, 1}, 0, 0), 1e-4f);
}

TEST(ConvTransposeKernel, HandWorkedStride2) {
  // x = [1 2], kernel [1 1 1], stride 2: 1*[1 1 1] at 0 and 2*[1 1 1] at 2 -> [1 1 3 2 2].
  const Tensor y = run1("ConvTranspose", {floats({1, 1, 1, 2}, {1, 2}), floats({1, 1, 1, 3}, {1, 1, 1})},
                        attrs({{"strides", std::vector<std::int64_t>{1, 2}}}));
  expect_close(y, floats({1, 1, 1, 5}, {1, 1, 3, 2, 2}));
}

}  // namespace
}  // namespace qtune::test
