// Fake quantization with a trainable linear scale (LSQ, reference §3.5): the forward against
// a float32 loop written here, the gradients w.r.t. x and s against central finite
// differences of the straight-through surrogate q̃(x, s) = s·clamp(x/s + c, qmin, qmax), with
// c = round(x0/s0) − x0/s0 held fixed (round's identity gradient), in double; and, through a
// one-op BlockProgram, LSQ's gradient scale 1/√(numel·qmax) and the |s| parameterisation.
#include <algorithm>
#include <cmath>

#include "grad/block_program.h"
#include "grad/fake_quant_grad.h"
#include "grad_test_util.h"
#include "qtune/quant_graph.h"

namespace qtune::gradtest {
namespace {

TensorQuantConfig linear_config(std::vector<float> scales, int axis = -1) {
  TensorQuantConfig c;
  c.scale_kind = ScaleKind::Linear;
  c.scales = std::move(scales);
  c.channel_axis = axis;
  c.rounding = Rounding::HalfEven;
  c.state = QuantState::Calibrated;
  return c;
}

// The surrogate, in double: what the straight-through estimator differentiates.
double surrogate(double x, double s, double c, double qmin, double qmax) {
  return s * std::clamp(x / s + c, qmin, qmax);
}

TEST(LsqGradient, ForwardIsAFloatDivisionLoop) {
  const Tensor x = uniform_tensor({3, 2, 5}, 7, -3.0f, 3.0f);
  const TensorQuantConfig c = linear_config({0.013f, 0.0271f}, 1);
  const std::vector<float> s = {0.013f, 0.0271f};
  const Tensor q = grad::fake_quant_forward_linear(x, c, s);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float sc = s[static_cast<std::size_t>((i / 5) % 2)];
    const float want = std::clamp(std::nearbyint(x.data<float>()[i] / sc), -128.0f, 127.0f) * sc;
    ASSERT_EQ(q.data<float>()[i], want) << i;
  }
}

TEST(LsqGradient, MatchesFiniteDifferencesOfTheSurrogate) {
  // Per channel (axis 0), values inside and beyond the range of s = (0.02, 0.005).
  const std::vector<float> s = {0.02f, 0.005f};
  const TensorQuantConfig c = linear_config(s, 0);
  const Tensor x = uniform_tensor({2, 40}, 11, -3.0f, 3.0f);
  const Tensor dy = uniform_tensor({2, 40}, 12, -1.0f, 1.0f);
  Tensor dx;
  std::vector<float> ds(2, 0.0f);
  grad::fake_quant_backward_linear(x, c, s, dy, &dx, ds.data());

  const double h = 1e-6, qmin = -128.0, qmax = 127.0;
  std::vector<double> want_ds(2, 0.0);
  std::size_t clamped = 0, inside = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::size_t ch = static_cast<std::size_t>(i / 40);
    const double x0 = x.data<float>()[i], s0 = s[ch];
    const double v = static_cast<double>(x.data<float>()[i] / s[ch]);  // float32 division, as the forward
    const double r = std::nearbyint(v);
    if (std::fabs(v - r) > 0.499) continue;  // too close to a rounding tie to place it
    const double cc = r - v;
    // Skip points within h of a clamp edge (the surrogate has a kink there).
    if (std::fabs(x0 / s0 + cc - qmax) < 1e-3 || std::fabs(x0 / s0 + cc - qmin) < 1e-3) continue;
    const bool is_clamped = r > qmax || r < qmin;
    (is_clamped ? clamped : inside)++;
    const double dqdx = (surrogate(x0 + h, s0, cc, qmin, qmax) - surrogate(x0 - h, s0, cc, qmin, qmax)) / (2 * h);
    const double dqds = (surrogate(x0, s0 + h * s0, cc, qmin, qmax) - surrogate(x0, s0 - h * s0, cc, qmin, qmax)) /
                        (2 * h * s0);
    EXPECT_NEAR(dx.data<float>()[i], dy.data<float>()[i] * dqdx, 1e-5) << i;
    want_ds[ch] += dy.data<float>()[i] * dqds;
  }
  ASSERT_GT(clamped, 20u);  // both regimes are exercised
  ASSERT_GT(inside, 20u);
  for (std::size_t ch = 0; ch < 2; ++ch) EXPECT_NEAR(ds[ch], want_ds[ch], 1e-3 * std::max(1.0, std::fabs(want_ds[ch])));
}

TEST(LsqGradient, NonPositiveScaleIsAnErrorNamingTheConfig) {
  TensorQuantConfig c = linear_config({0.0f});
  c.applied_at = "y";
  const Tensor x = f32({2}, {1.0f, 2.0f});
  const std::vector<float> s = {0.0f};
  try {
    grad::fake_quant_forward_linear(x, c, s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos) << e.what();
  }
}

// x[8,6] -> Relu -> y with y's linear scale trainable: dL/ds of L = mean((q(y) − t)²) through
// the block program = 1/√(numel·qmax) · Σ 2(q − t)/n · ∂q/∂s, and the sign of a stored
// negative scale flips it (s = |value|).
TEST(LsqGradient, BlockProgramScalesTheGradientAndUsesAbsoluteScale) {
  Graph g;
  g.add_variable("x", {-1, 6});
  g.add_op("relu", "Relu", {"x"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  auto cfg = std::make_shared<TensorQuantConfig>(linear_config({0.004f}));
  cfg->applied_at = "y";
  g.variable("y").quant = cfg;
  g.op("relu").input_quant.clear();
  g.op("relu").annotations[kQuantBitsAnnotation] = "8";  // quantized op (what quantize_graph marks)
  const Tensor x = uniform_tensor({8, 6}, 21, -1.0f, 1.0f);
  const Tensor t = uniform_tensor({8, 6}, 22, 0.0f, 1.0f);
  for (float sign : {1.0f, -1.0f}) {
    grad::BlockProgram p(g, {&g.op("relu")}, /*train_scales=*/false, /*learn_rounding=*/false,
                         /*train_linear_scales=*/true);
    ASSERT_EQ(p.trainables().size(), 1u);
    ASSERT_TRUE(p.trainables()[0].linear);
    p.trainables()[0].value.data<float>()[0] = sign * 0.004f;
    const Tensor* in[] = {&x};
    const Tensor* tg[] = {&t};
    std::vector<Tensor> grads;
    p.run(in, tg, grad::LossTerms{}, &grads);
    // Independent: Relu, then ∂q/∂s per element, in double.
    const double s = 0.004, n = 48.0;
    double sum = 0.0;
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float y = std::max(x.data<float>()[i], 0.0f);
      const float v = y / 0.004f;
      const double r = std::nearbyint(v);
      const double c = std::clamp(r, -128.0, 127.0);
      const double q = c * s;
      const double dq = r == c ? r - static_cast<double>(v) : c;
      sum += 2.0 * (q - t.data<float>()[i]) / n * dq;
    }
    const double want = sign * sum / std::sqrt(n * 127.0);
    EXPECT_NEAR(grads[0].data<float>()[0], want, 1e-4 * std::fabs(want)) << sign;
  }
}

}  // namespace
}  // namespace qtune::gradtest
