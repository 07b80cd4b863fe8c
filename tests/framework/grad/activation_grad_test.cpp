// Activation and Softmax backward against finite differences. Inputs are spaced so that no
// finite-difference step crosses a kink (Relu at 0, Clip bounds, HardSwish ±3, HardSigmoid
// edges): there the derivative is the ordinary one and must match exactly.
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

GradCase unary(const std::string& type, Tensor x, Attributes a = {}) {
  GradCase c;
  c.type = type;
  c.inputs = {std::move(x)};
  c.attributes = std::move(a);
  c.check = {0};
  c.h = 5e-3;
  c.max_elements = 200;
  return c;
}

TEST(ActivationGradient, Relu) { check_gradient(unary("Relu", spaced_tensor({2, 3, 4, 5}, 1))); }
TEST(ActivationGradient, Sigmoid) { check_gradient(unary("Sigmoid", uniform_tensor({2, 3, 4, 5}, 2, -4, 4))); }
TEST(ActivationGradient, Tanh) { check_gradient(unary("Tanh", uniform_tensor({2, 3, 4, 5}, 3, -2, 2))); }
TEST(ActivationGradient, LeakyRelu) {
  check_gradient(unary("LeakyRelu", spaced_tensor({2, 3, 4, 5}, 4), attrs({{"alpha", 0.1f}})));
}
TEST(ActivationGradient, HardSwishAcrossAllThreePieces) {
  // Spacing 0.07 over 120 values covers about [-4.2, 4.2]: below -3, between, above 3.
  check_gradient(unary("HardSwish", spaced_tensor({2, 3, 4, 5}, 5, 0.07f)));
}
TEST(ActivationGradient, HardSigmoidAcrossItsEdges) {
  check_gradient(unary("HardSigmoid", spaced_tensor({2, 3, 4, 5}, 6, 0.07f), attrs({{"alpha", 0.25f}, {"beta", 0.4f}})));
}
TEST(ActivationGradient, ClipWithBoundInputsAsRelu6) {
  GradCase c = unary("Clip", spaced_tensor({2, 3, 4, 5}, 7, 0.11f));  // about [-6.6, 6.6]
  c.inputs.push_back(f32({}, {-0.525f}));
  c.inputs.push_back(f32({}, {6.025f}));
  check_gradient(c);
}
TEST(ActivationGradient, ClipWithAttributes) {
  check_gradient(unary("Clip", spaced_tensor({3, 7}, 8), attrs({{"min", -0.2125f}, {"max", 0.3125f}})));
}

TEST(ActivationGradient, PReluPerChannelSlopeBothWays) {
  for (const Shape& slope : {Shape{3, 1, 1}, Shape{3}}) {  // broadcastable, and the 1-D per-channel form
    GradCase c;
    c.type = "PRelu";
    c.inputs = {spaced_tensor({2, 3, 4, 4}, 9), uniform_tensor(slope, 10, 0.05f, 0.5f)};
    c.check = {0, 1};
    c.h = 5e-3;
    SCOPED_TRACE(shape_str(slope));
    check_gradient(c);
  }
}

TEST(SoftmaxGradient, LastAndInnerAxis) {
  check_gradient(unary("Softmax", uniform_tensor({3, 7}, 11, -2, 2)));
  check_gradient(unary("Softmax", uniform_tensor({2, 4, 3, 2}, 12, -2, 2), attrs({{"axis", std::int64_t{1}}})));
}

}  // namespace
}  // namespace qtune::gradtest
