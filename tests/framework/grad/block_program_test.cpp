// BlockProgram: gradients of a whole block (chain rule across ops, a residual fan-out,
// parameter gradients) against finite differences of its loss; the quantized forward equal
// to the executor with the quant hook; the trainable set.
#include "grad/block_program.h"

#include <gtest/gtest.h>

#include "block_test_util.h"
#include "exec/graph_executor.h"
#include "grad/block_trainer.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune::gradtest {
namespace {

// Every op marked quantized but without configs: the program is the float block with
// every Conv/Gemm/Add parameter trainable and nothing fake-quantized (a smooth loss).
TEST(BlockProgram, WholeBlockGradientMatchesFiniteDifferences) {
  Graph g = residual_graph();
  for (Op* op : g.ops()) op->annotations[kQuantBitsAnnotation] = "8";
  grad::BlockProgram program(g, all_ops(g), true);
  ASSERT_EQ(program.input_names(), std::vector<std::string>{"x"});
  ASSERT_EQ(program.output_names(), std::vector<std::string>{"y"});
  ASSERT_EQ(program.parameter_count(), 6u);   // w1 b1 w2 b2 w3 b3
  ASSERT_EQ(program.trainables().size(), 6u);  // no configs: no scales
  const Tensor x = uniform_tensor({2, 3, 6, 6}, 1);
  const Tensor target = uniform_tensor({2, 5}, 2);
  const Tensor* in[] = {&x};
  const Tensor* tg[] = {&target};
  std::vector<Tensor> grads;
  const double base = program.run(in, tg, {}, &grads).total;
  EXPECT_GT(base, 0.0);
  std::size_t compared = 0;
  for (std::size_t k = 0; k < program.trainables().size(); ++k) {
    Tensor& value = program.trainables()[k].value;
    const std::int64_t stride = std::max<std::int64_t>(1, value.numel() / 25);
    for (std::int64_t e = 0; e < value.numel(); e += stride) {
      float& v = value.data<float>()[e];
      const float saved = v;
      const double h = 1e-2;
      v = saved + static_cast<float>(h);
      const double plus = program.run(in, tg, {}, nullptr).total;
      v = saved - static_cast<float>(h);
      const double minus = program.run(in, tg, {}, nullptr).total;
      v = saved;
      const double fd = (plus - minus) / (2 * h);
      EXPECT_NEAR(grads[k].data<float>()[e], fd, 2e-2 * std::abs(fd) + 2e-5)
          << program.trainables()[k].name << " element " << e;
      ++compared;
    }
  }
  EXPECT_GT(compared, 80u);
}

TEST(BlockProgram, GammaAndIntLambdaTermsMatchFiniteDifferences) {
  Graph g = residual_graph();
  const std::vector<Batch> batches = random_batches({4, 3, 6, 6}, 2, 10);
  quantize_graph(g, TargetPolicy::from_target("esp32s3"));
  calibrate_kl(g, batches);
  g.variable("w1").quant->exponents[0] -= 2;  // a quarter of the range: many weights clamp
  grad::BlockProgram program(g, {&g.op("conv1"), &g.op("sig")}, true);
  ASSERT_GT(program.trainables().size(), program.parameter_count());
  // Move the α's off their integers so the int term is non-zero and smooth.
  for (std::size_t k = program.parameter_count(); k < program.trainables().size(); ++k)
    program.trainables()[k].value.flat() += 0.2f;
  const Tensor& x = batches[0][0];
  const Tensor target = uniform_tensor({4, 4, 6, 6}, 3, 0.0f, 1.0f);
  const Tensor* in[] = {&x};
  const Tensor* tg[] = {&target};
  grad::LossTerms terms;
  terms.gamma = 0.5;
  terms.int_lambda = 2.0;
  std::vector<Tensor> with_terms, without;
  const grad::LossValue lv = program.run(in, tg, terms, &with_terms);
  program.run(in, tg, {}, &without);
  EXPECT_GT(lv.total, lv.mse);
  // The int term's gradient: 2·λ·(α − round α)/n per α (round α fixed within ±0.3).
  for (std::size_t k = program.parameter_count(); k < program.trainables().size(); ++k) {
    const Tensor& a = program.trainables()[k].value;
    for (std::int64_t c = 0; c < a.numel(); ++c) {
      const double r = a.data<float>()[c] - std::nearbyint(a.data<float>()[c]);
      EXPECT_NEAR(with_terms[k].data<float>()[c] - without[k].data<float>()[c], 2.0 * 2.0 * r / a.numel(), 1e-5);
    }
  }
  // The gamma term on w1 (trainable 0): finite differences of gamma·MSE(W, Q(W)) where the
  // step moves no weight across a rounding boundary or the clamp edge (checked below).
  const Tensor& w = program.trainables()[0].value;
  ASSERT_EQ(program.trainables()[0].name, "w1");
  const TensorQuantConfig& wc = *g.variable("w1").quant;
  auto gamma_term = [&](const Tensor& wt) {
    const Tensor q = fake_quantize(wt, wc);
    double s = 0;
    for (std::int64_t i = 0; i < wt.numel(); ++i) {
      const double d = wt.data<float>()[i] - q.data<float>()[i];
      s += d * d;
    }
    return terms.gamma * s / static_cast<double>(wt.numel());
  };
  const float step = std::ldexp(1.0f, wc.exponents[0]) * 0.05f;
  int clamped_seen = 0;
  for (std::int64_t e = 0; e < w.numel(); e += 7) {
    Tensor plus = w, minus = w;
    plus.data<float>()[e] += step;
    minus.data<float>()[e] -= step;
    const double fd = (gamma_term(plus) - gamma_term(minus)) / (2.0 * step);
    const double an = with_terms[0].data<float>()[e] - without[0].data<float>()[e];
    // In range the straight-through gradient is 0 (dQ/dW = 1); only clamped weights pull.
    const bool clamped = std::abs(w.data<float>()[e]) > 127.5f * std::ldexp(1.0f, wc.exponents[0]);
    if (clamped) {
      EXPECT_NEAR(an, fd, 1e-3 * std::abs(fd) + 1e-6) << e;
      ++clamped_seen;
    } else {
      EXPECT_NEAR(an, 0.0, 1e-7) << e;
    }
  }
  EXPECT_GT(clamped_seen, 3) << "w1 exponent " << wc.exponents[0] << ", bits " << wc.bits << ", w[0] " << w.data<float>()[0];
}

// The block's quantized forward is the executor's with the quant hook: the loss before any
// step equals the MSE computed from two independent executor runs.
TEST(BlockProgram, QuantizedLossEqualsTheExecutorWithTheQuantHook) {
  for (const char* target : {"esp32p4", "esp32s3"}) {
    SCOPED_TRACE(target);
    Graph g = residual_graph();
    const Graph float_graph = g;
    const std::vector<Batch> batches = random_batches({4, 3, 6, 6}, 3, 20);
    quantize_graph(g, TargetPolicy::from_target(target));
    calibrate_kl(g, batches);
    BlockTrainingSpec spec;
    spec.ops = {"dw", "add", "gap", "flat", "conv1", "sig"};  // any order
    auto trainer = grad::make_block_trainer(g, float_graph, batches, spec);
    EXPECT_EQ(trainer->info().first_op, "conv1");
    EXPECT_EQ(trainer->info().last_op, "flat");
    EXPECT_EQ(trainer->info().parameters, 4u);  // w1 b1 w2 b2 (Sigmoid, pool, Flatten: none)
    EXPECT_GT(trainer->info().scales, 2u);

    const auto hook = make_quant_hook();
    const auto qexec = make_executor(g), fexec = make_executor(float_graph);
    RunRequest rq;
    rq.fetch = {"f"};
    rq.hook = hook.get();
    RunRequest rf;
    rf.fetch = {"f"};
    double expected = 0.0;
    for (const Batch& b : batches) {
      const Tensor q = qexec->run({{"x", b[0]}}, rq).at("f");
      const Tensor f = fexec->run({{"x", b[0]}}, rf).at("f");
      double s = 0.0;
      for (std::int64_t i = 0; i < q.numel(); ++i) {
        const double d = static_cast<double>(q.data<float>()[i]) - f.data<float>()[i];
        s += d * d;
      }
      expected += s / static_cast<double>(q.numel()) / static_cast<double>(batches.size());
    }
    EXPECT_GT(expected, 0.0);
    EXPECT_NEAR(trainer->loss(), expected, 1e-9 * expected);
  }
}

// A shape computation inside a block (Shape -> Reshape, as opset-9 Softmax leaves behind)
// needs no gradient: the block compiles and its gradient still reaches the weight.
TEST(BlockProgram, ShapeComputationNeedsNoGradient) {
  Graph g;
  g.add_variable("x", {2, 3});
  g.add_parameter("w", uniform_tensor({3, 4}, 1));
  g.add_op("mm", "MatMul", {"x", "w"}, {"m"});
  g.add_op("shape", "Shape", {"m"}, {"s"});
  // (the Shape output's static dtype is left Float32, as an importer without value_info leaves it)
  g.add_op("sm", "Softmax", {"m"}, {"p"});
  g.add_op("reshape", "Reshape", {"p", "s"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  for (Op* op : g.ops()) op->annotations[kQuantBitsAnnotation] = "8";
  grad::BlockProgram program(g, all_ops(g), true);
  const Tensor x = uniform_tensor({2, 3}, 2), target = uniform_tensor({2, 4}, 3, 0.0f, 0.5f);
  const Tensor* in[] = {&x};
  EXPECT_NO_THROW(program.verify(in));
  const Tensor* tg[] = {&target};
  std::vector<Tensor> grads;
  program.run(in, tg, {}, &grads);
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_GT(grads[0].flat().abs().maxCoeff(), 0.0f);
}

TEST(BlockProgram, UndifferentiableOpIsNamed) {
  // x -> Conv(w) -> Erf -> y: w trains, so the gradient would have to cross Erf (no gradient).
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  g.add_parameter("w", uniform_tensor({2, 2, 1, 1}, 1));
  g.add_op("conv", "Conv", {"x", "w"}, {"c"});
  g.add_op("e", "Erf", {"c"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  for (Op* op : g.ops()) op->annotations[kQuantBitsAnnotation] = "8";
  grad::BlockProgram program(g, all_ops(g), true);
  const Tensor x = uniform_tensor({1, 2, 3, 3}, 2);
  const Tensor* in[] = {&x};
  try {
    program.verify(in);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'e' (Erf)"), std::string::npos) << e.what();
  }
  // Erf alone on the block input: nothing trains behind it, so nothing has to cross it.
  grad::BlockProgram alone(g, {&g.op("e")}, true);
  const Tensor c = uniform_tensor({1, 2, 3, 3}, 3);
  const Tensor* cin[] = {&c};
  EXPECT_NO_THROW(alone.verify(cin));
}

}  // namespace
}  // namespace qtune::gradtest
