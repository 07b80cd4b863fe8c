// Resize with hand-computed values for each coordinate_transformation_mode and
// nearest_mode (row [10 20 30 40] resized to 6, scale 1.5; source coordinates worked
// out in the comments) and bilinear in 2-D. Tolerance 1e-5.
#include "exec_test_util.h"

namespace qtune::test {
namespace {

const Tensor kRow = floats({1, 1, 1, 4}, {10, 20, 30, 40});

Tensor resize_row(const std::string& mode, const std::string& coord, const std::string& nearest, std::int64_t width = 6) {
  Attributes a = attrs({{"mode", mode}, {"coordinate_transformation_mode", coord}});
  if (!nearest.empty()) a.set("nearest_mode", nearest);
  return run1("Resize", {kRow, std::nullopt, std::nullopt, ints({4}, {1, 1, 1, width})}, a);
}

TEST(ResizeKernel, NearestModes) {
  // asymmetric: x / 1.5 = 0, .67, 1.33, 2, 2.67, 3.33
  expect_close(resize_row("nearest", "asymmetric", "floor"), floats({1, 1, 1, 6}, {10, 10, 20, 30, 30, 40}));
  expect_close(resize_row("nearest", "asymmetric", "ceil"), floats({1, 1, 1, 6}, {10, 20, 30, 30, 40, 40}));
  expect_close(resize_row("nearest", "asymmetric", "round_prefer_floor"), floats({1, 1, 1, 6}, {10, 20, 20, 30, 40, 40}));
  // half_pixel: (x + .5) / 1.5 - .5 = -.17, .5, 1.17, 1.83, 2.5, 3.17 (ties at .5 and 2.5)
  expect_close(resize_row("nearest", "half_pixel", "round_prefer_floor"), floats({1, 1, 1, 6}, {10, 10, 20, 30, 30, 40}));
  expect_close(resize_row("nearest", "half_pixel", "round_prefer_ceil"), floats({1, 1, 1, 6}, {10, 20, 20, 30, 40, 40}));
  expect_close(resize_row("nearest", "pytorch_half_pixel", "round_prefer_ceil"), floats({1, 1, 1, 6}, {10, 20, 20, 30, 40, 40}));
  // align_corners: x * 3 / 5 = 0, .6, 1.2, 1.8, 2.4, 3
  expect_close(resize_row("nearest", "align_corners", "round_prefer_floor"), floats({1, 1, 1, 6}, {10, 20, 20, 30, 30, 40}));
  // Output width 1: pytorch_half_pixel reads coordinate 0; half_pixel reads (0.5 / 0.25) - 0.5 = 1.5 -> 1.
  expect_close(resize_row("nearest", "pytorch_half_pixel", "round_prefer_floor", 1), floats({1, 1, 1, 1}, {10}));
  expect_close(resize_row("nearest", "half_pixel", "round_prefer_floor", 1), floats({1, 1, 1, 1}, {20}));
}

TEST(ResizeKernel, LinearModes) {
  // value = 10 + 10 * clamp(src, 0, 3)
  expect_close(resize_row("linear", "asymmetric", ""), floats({1, 1, 1, 6}, {10, 10 + 20.0f / 3, 10 + 40.0f / 3, 30, 30 + 20.0f / 3, 40}), 1e-5f);
  expect_close(resize_row("linear", "half_pixel", ""), floats({1, 1, 1, 6}, {10, 15, 10 + 35.0f / 3, 10 + 55.0f / 3, 35, 40}), 1e-5f);
  expect_close(resize_row("linear", "align_corners", ""), floats({1, 1, 1, 6}, {10, 16, 22, 28, 34, 40}), 1e-5f);
}

TEST(ResizeKernel, BilinearTwoDimsAndScalesInput) {
  // f(y, x) = 20 y + 10 x sampled at corners; align_corners to 3x3 is exact.
  const Tensor x = floats({1, 1, 2, 2}, {0, 10, 20, 30});
  const Tensor y = run1("Resize", {x, floats({0}, {}), floats({0}, {}), ints({4}, {1, 1, 3, 3})},
                        attrs({{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string("align_corners")}}));
  expect_close(y, floats({1, 1, 3, 3}, {0, 5, 10, 10, 15, 20, 20, 25, 30}), 1e-5f);
  // scales [1, 1, 2, 2], nearest asymmetric: src = x / 2 -> 0, 0, 1, 1 (0.5 and 1.5 prefer floor).
  const Tensor z = run1("Resize", {floats({1, 1, 2, 2}, {1, 2, 3, 4}), std::nullopt, floats({4}, {1, 1, 2, 2})},
                        attrs({{"coordinate_transformation_mode", std::string("asymmetric")}}));
  expect_close(z, floats({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

}  // namespace
}  // namespace qtune::test
