// MaxPool / AveragePool / GlobalAveragePool backward against finite differences. Max
// pooling inputs are distinct and spaced, so no step changes which element is the maximum.
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

GradCase pool(const std::string& type, Tensor x, Attributes a) {
  GradCase c;
  c.type = type;
  c.inputs = {std::move(x)};
  c.attributes = std::move(a);
  c.check = {0};
  c.h = 5e-3;
  c.max_elements = 400;
  return c;
}

TEST(PoolGradient, MaxPool) {
  check_gradient(pool("MaxPool", spaced_tensor({2, 2, 6, 6}, 1),
                      attrs({{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}})));
  // Overlapping 3x3 windows, stride 2, pad 1, ceil_mode.
  check_gradient(pool("MaxPool", spaced_tensor({1, 3, 7, 6}, 2),
                      attrs({{"kernel_shape", std::vector<std::int64_t>{3, 3}},
                             {"strides", std::vector<std::int64_t>{2, 2}},
                             {"pads", std::vector<std::int64_t>{1, 1, 1, 1}},
                             {"ceil_mode", std::int64_t{1}}})));
}

TEST(PoolGradient, AveragePoolWithAndWithoutPadCounting) {
  for (std::int64_t include : {0, 1})
    check_gradient(pool("AveragePool", uniform_tensor({2, 2, 7, 6}, 3),
                        attrs({{"kernel_shape", std::vector<std::int64_t>{3, 3}},
                               {"strides", std::vector<std::int64_t>{2, 2}},
                               {"pads", std::vector<std::int64_t>{1, 1, 1, 1}},
                               {"ceil_mode", std::int64_t{1}},
                               {"count_include_pad", include}})));
}

TEST(PoolGradient, GlobalAveragePool) {
  check_gradient(pool("GlobalAveragePool", uniform_tensor({2, 3, 5, 4}, 4), {}));
}

}  // namespace
}  // namespace qtune::gradtest
