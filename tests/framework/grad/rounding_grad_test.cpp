// Learned rounding (AdaRound, grad/rounding_grad.h): the soft rounding's and the
// regulariser's gradients against central finite differences in V, element by element and
// through a whole block (BlockProgram with learn_rounding); the initialisation h(V) =
// frac(W/s) and the hard rounding equal to the config's own rounding before any step.
// Finite differences skip elements within 2h of a kink (h clipped at 0 or 1).
#include <gtest/gtest.h>

#include "block_test_util.h"
#include "grad/block_program.h"
#include "grad/block_trainer.h"
#include "grad/rounding_grad.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune::gradtest {
namespace {

constexpr double kStep = 1e-3;  // finite-difference step in V

// True when V ± 2·kStep stays where h is smooth (σ(V)·1.2 − 0.1 strictly inside (0, 1)).
bool smooth(float v) {
  const double s_lo = 1.0 / (1.0 + std::exp(-(v - 2 * kStep))), s_hi = 1.0 / (1.0 + std::exp(-(v + 2 * kStep)));
  return s_lo * 1.2 - 0.1 > 0.0 && s_hi * 1.2 - 0.1 < 1.0;
}

TensorQuantConfig per_tensor_config(int exponent) {
  TensorQuantConfig c;
  c.bits = 8;
  c.exponents = {exponent};
  c.quant_min = -128;
  c.quant_max = 127;
  c.rounding = Rounding::HalfEven;
  c.state = QuantState::Calibrated;
  return c;
}

TEST(RoundingGrad, InitialisationGivesTheFractionAndTheConfigsRounding) {
  const TensorQuantConfig c = per_tensor_config(-4);
  const Tensor w = uniform_tensor({4, 9}, 7, -3.0f, 3.0f);
  const Tensor v = grad::initial_rounding(w, c, c.exponents);
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const double x = w.data<float>()[i] * 16.0;
    EXPECT_NEAR(grad::rectified_sigmoid(v.data<float>()[i]), x - std::floor(x), 1e-5) << i;
  }
  const Tensor hard = grad::rounding_forward(w, v, c, c.exponents, true);
  const Tensor q = fake_quantize(w, c);
  for (std::int64_t i = 0; i < w.numel(); ++i) EXPECT_EQ(hard.data<float>()[i], q.data<float>()[i]) << i;
  // A tie rounds as the config does (HalfEven: 2.5 -> 2, 3.5 -> 4).
  const Tensor ties = f32({2}, {2.5f / 16.0f, 3.5f / 16.0f});
  const Tensor tv = grad::initial_rounding(ties, c, c.exponents);
  const Tensor th = grad::rounding_forward(ties, tv, c, c.exponents, true);
  EXPECT_EQ(th.data<float>()[0] * 16.0f, 2.0f);
  EXPECT_EQ(th.data<float>()[1] * 16.0f, 4.0f);
}

// L = Σ r ⊙ W_q(V) + λ·R(V): rounding_backward + rounding_regulariser against finite
// differences, per channel (exponents differ per row) and with some weights clamped.
TEST(RoundingGrad, SoftRoundingAndRegulariserMatchFiniteDifferences) {
  TensorQuantConfig c = per_tensor_config(0);
  c.channel_axis = 0;
  c.exponents = {-3, -5, -4};
  Tensor w = uniform_tensor({3, 8}, 11, -3.0f, 3.0f);
  w.data<float>()[0] = 200.0f / 8.0f;  // clamped at qmax: no gradient through the weight
  const Tensor r = uniform_tensor({3, 8}, 12);
  Tensor v = uniform_tensor({3, 8}, 13, -2.0f, 2.0f);
  const double lambda = 0.3;
  for (double beta : {2.0, 7.5, 20.0}) {
    SCOPED_TRACE(beta);
    auto loss = [&](const Tensor& vv) {
      const Tensor q = grad::rounding_forward(w, vv, c, c.exponents, false);
      double s = 0.0;
      for (std::int64_t i = 0; i < q.numel(); ++i) s += static_cast<double>(r.data<float>()[i]) * q.data<float>()[i];
      return s + lambda * grad::rounding_regulariser(vv, beta, 1.0, nullptr);
    };
    std::vector<float> dv(static_cast<std::size_t>(v.numel()), 0.0f);
    grad::rounding_backward(w, v, c, c.exponents, r, dv.data());
    grad::rounding_regulariser(v, beta, lambda, dv.data());
    int compared = 0;
    for (std::int64_t i = 0; i < v.numel(); ++i) {
      if (!smooth(v.data<float>()[i])) continue;
      Tensor plus = v, minus = v;
      plus.data<float>()[i] += static_cast<float>(kStep);
      minus.data<float>()[i] -= static_cast<float>(kStep);
      const double fd = (loss(plus) - loss(minus)) / (2 * kStep);
      EXPECT_NEAR(dv[static_cast<std::size_t>(i)], fd, 2e-2 * std::abs(fd) + 2e-3) << "element " << i;
      ++compared;
    }
    EXPECT_GT(compared, 15);
  }
  // Where h is clipped (|V| large) neither term has a gradient.
  Tensor far = v;
  far.flat().setConstant(8.0f);
  std::vector<float> dv(static_cast<std::size_t>(v.numel()), 0.0f);
  grad::rounding_backward(w, far, c, c.exponents, r, dv.data());
  grad::rounding_regulariser(far, 3.0, 1.0, dv.data());
  for (float g : dv) EXPECT_EQ(g, 0.0f);
}

// Through a whole block: output MSE + λ·R, gradient in every rounding variable against
// finite differences of BlockProgram::run (soft forward). Only the weights stay quantized
// (activation fake quantization would make the loss piecewise constant in V).
TEST(RoundingGrad, BlockProgramGradientMatchesFiniteDifferences) {
  Graph g = residual_graph();
  const std::vector<Batch> batches = random_batches({4, 3, 6, 6}, 2, 30);
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));  // per-channel weights
  calibrate_kl(g, batches);
  for (Op* op : g.ops()) {
    for (std::size_t i = 0; i < op->inputs.size(); ++i)
      if (op->inputs[i] && op->inputs[i]->producer == nullptr && !op->inputs[i]->value && input_config(*op, i))
        input_config(*op, i)->state = QuantState::Float;  // graph input x
    for (Variable* v : op->outputs)
      if (v && v->quant) v->quant->state = QuantState::Float;
  }
  ASSERT_EQ(g.variable("w1").quant->state, QuantState::Calibrated);
  grad::BlockProgram program(g, {&g.op("conv1"), &g.op("sig"), &g.op("dw"), &g.op("add")}, false, true);
  EXPECT_EQ(program.parameter_count(), 0u);  // only the rounding variables train
  ASSERT_EQ(program.trainables().size(), 2u);  // w1, w2
  EXPECT_TRUE(program.is_rounding(0) && program.is_rounding(1));
  EXPECT_EQ(program.trainables()[0].name, "w1");
  const Tensor& x = batches[0][0];
  const Tensor target = uniform_tensor({4, 4, 6, 6}, 31, 0.0f, 1.0f);
  const Tensor* in[] = {&x};
  const Tensor* tg[] = {&target};
  grad::LossTerms terms;
  terms.rounding_lambda = 1e-3;
  terms.rounding_beta = 6.0;
  std::vector<Tensor> grads;
  const grad::LossValue lv = program.run(in, tg, terms, &grads);
  EXPECT_GT(lv.total, lv.mse);
  int compared = 0;
  for (std::size_t k = 0; k < program.trainables().size(); ++k) {
    Tensor& value = program.trainables()[k].value;
    for (std::int64_t e = 0; e < value.numel(); e += 3) {
      float& v = value.data<float>()[e];
      if (!smooth(v)) continue;
      const float saved = v;
      v = saved + static_cast<float>(kStep);
      const double plus = program.run(in, tg, terms, nullptr).total;
      v = saved - static_cast<float>(kStep);
      const double minus = program.run(in, tg, terms, nullptr).total;
      v = saved;
      const double fd = (plus - minus) / (2 * kStep);
      EXPECT_NEAR(grads[k].data<float>()[e], fd, 3e-2 * std::abs(fd) + 5e-5)
          << program.trainables()[k].name << " element " << e;
      ++compared;
    }
  }
  EXPECT_GT(compared, 20);
}

// Before any step the learned-rounding trainer's loss (hard rounding) is the loss of the
// graph as it stands: the same as a trainer without learned rounding.
TEST(RoundingGrad, TrainerLossBeforeAnyStepIsTheGraphsLoss) {
  Graph g = residual_graph();
  const Graph float_graph = g;
  const std::vector<Batch> batches = random_batches({4, 3, 6, 6}, 3, 40);
  quantize_graph(g, TargetPolicy::from_target("esp32s3"));
  calibrate_kl(g, batches);
  BlockTrainingSpec spec;
  spec.ops = {"conv1", "sig", "dw", "add", "gap", "flat"};
  const double plain = grad::make_block_trainer(g, float_graph, batches, spec)->loss();
  spec.learn_rounding = true;
  auto trainer = grad::make_block_trainer(g, float_graph, batches, spec);
  EXPECT_EQ(trainer->info().roundings, 2u);
  EXPECT_EQ(trainer->info().parameters, 0u);
  EXPECT_NEAR(trainer->loss(), plain, 1e-12 * plain);
}

// The regulariser schedule: identical steps during the warm-up (20 % of the steps), then the
// paper's regulariser adds to the step loss; reference_regulariser never adds it.
TEST(RoundingGrad, RegulariserActivatesAfterTheWarmUpUnlessReference) {
  Graph g = residual_graph();
  const Graph float_graph = g;
  const std::vector<Batch> batches = random_batches({4, 3, 6, 6}, 2, 50);
  quantize_graph(g, TargetPolicy::from_target("esp32s3"));
  calibrate_kl(g, batches);
  BlockTrainingSpec spec;
  spec.ops = {"conv1", "sig"};
  spec.train_scales = false;
  spec.learn_rounding = true;
  spec.learning_rate = 1e-3;
  spec.rounding_steps = 10;
  spec.rounding_lambda = 0.01;
  auto paper = grad::make_block_trainer(g, float_graph, batches, spec);
  spec.reference_regulariser = true;
  auto reference = grad::make_block_trainer(g, float_graph, batches, spec);
  for (std::size_t s = 0; s < 2; ++s) EXPECT_EQ(paper->step(s), reference->step(s)) << s;  // warm-up: 0.2·10
  const double with = paper->step(2), without = reference->step(2);
  // From step 2 on: Σ(1 − |2h − 1|^β) over w1's 108 values, β ≈ 20: well above 0.
  EXPECT_GT(with - without, 0.01 * 1.0) << with << " " << without;
}

}  // namespace
}  // namespace qtune::gradtest
