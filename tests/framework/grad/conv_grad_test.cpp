// Conv backward against finite differences: plain, strided + dilated + asymmetric pads,
// grouped, depthwise (stride 1 and 2), pointwise and 1-D, for X, W and B.
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

GradCase conv_case(Shape x, Shape w, Attributes a, std::uint32_t seed) {
  GradCase c;
  c.type = "Conv";
  const std::int64_t m = w[0];
  c.inputs = {uniform_tensor(x, seed), uniform_tensor(w, seed + 1), uniform_tensor({m}, seed + 2)};
  c.attributes = std::move(a);
  c.check = {0, 1, 2};
  return c;
}

TEST(ConvGradient, Plain3x3Pad1) {
  EXPECT_GT(check_gradient(conv_case({2, 3, 5, 6}, {4, 3, 3, 3}, attrs({{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}), 1)),
            100u);
}

TEST(ConvGradient, StridedDilatedAsymmetricPads) {
  check_gradient(conv_case({2, 2, 9, 8}, {3, 2, 3, 2},
                           attrs({{"strides", std::vector<std::int64_t>{2, 3}},
                                  {"dilations", std::vector<std::int64_t>{2, 1}},
                                  {"pads", std::vector<std::int64_t>{1, 0, 2, 1}}}),
                           2));
}

TEST(ConvGradient, Grouped) {
  check_gradient(conv_case({2, 4, 5, 5}, {6, 2, 3, 3},
                           attrs({{"group", std::int64_t{2}}, {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}), 3));
}

TEST(ConvGradient, DepthwiseStride1And2) {
  for (std::int64_t stride : {1, 2})
    check_gradient(conv_case({2, 3, 8, 8}, {3, 1, 3, 3},
                             attrs({{"group", std::int64_t{3}},
                                    {"strides", std::vector<std::int64_t>{stride, stride}},
                                    {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}),
                             4 + static_cast<std::uint32_t>(stride)));
}

TEST(ConvGradient, DepthwiseMultiplier) {  // two output channels per input channel
  check_gradient(conv_case({1, 2, 6, 6}, {4, 1, 3, 3}, attrs({{"group", std::int64_t{2}}}), 8));
}

TEST(ConvGradient, DepthwiseDilatedAsymmetricPads) {  // dX through the flipped-kernel forward conv
  check_gradient(conv_case({2, 3, 9, 8}, {3, 1, 3, 3},
                           attrs({{"group", std::int64_t{3}},
                                  {"dilations", std::vector<std::int64_t>{2, 2}},
                                  {"pads", std::vector<std::int64_t>{2, 1, 0, 2}}}),
                           12));
}

TEST(ConvGradient, Pointwise) { check_gradient(conv_case({3, 5, 4, 4}, {7, 5, 1, 1}, {}, 9)); }

TEST(ConvGradient, OneDimensional) {
  check_gradient(conv_case({2, 3, 11}, {4, 3, 3}, attrs({{"strides", std::vector<std::int64_t>{2}},
                                                       {"pads", std::vector<std::int64_t>{1, 1}}}),
                           10));
}

TEST(ConvGradient, OnlyTheWantedInputsAreWritten) {
  // Without bias and wanting only W: dX stays empty (the block's first op never needs it).
  GradCase c = conv_case({1, 2, 4, 4}, {2, 2, 3, 3}, {}, 11);
  c.inputs.pop_back();
  c.check = {1};
  check_gradient(c);
}

}  // namespace
}  // namespace qtune::gradtest
