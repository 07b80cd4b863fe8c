// The bias_correct plugin (reference §3.2) on small hand-quantized graphs. Every expected
// bias is computed here by naive loops in double (bias_test_support.h), independently of
// the SDK's fake quantization and the executor's kernels. Inputs and weights lie on
// power-of-two grids so float32 (the executor) and double (the test) give the same values
// before every rounding; the remaining difference is the float32 cast of the correction.
#include <gtest/gtest.h>

#include "bias_test_support.h"

namespace qtune::bias_test {
namespace {

// Deterministic values on a grid: k * 2^-grid_exp with k uniform in [lo, hi].
class Grid {
 public:
  explicit Grid(std::uint32_t seed) : state_(seed) {}
  std::vector<double> values(std::size_t n, int lo, int hi, int grid_exp) {
    std::vector<double> v(n);
    for (double& x : v) {
      state_ = state_ * 1664525u + 1013904223u;
      x = std::ldexp(static_cast<double>(lo + static_cast<int>((state_ >> 8) % static_cast<std::uint32_t>(hi - lo + 1))),
                     -grid_exp);
    }
    return v;
  }

 private:
  std::uint32_t state_;
};

constexpr double kBiasTolerance = 2e-6;  // float32 cast of bias + delta

// A quantized Conv named `name` reading `in` (config applied at the conv input when
// `in_applied_here`), writing `out` (config applied at its production).
void add_conv(Graph& g, const std::string& name, const std::string& in, const std::string& out, const ConvShape& s,
              const std::vector<double>& w, const std::vector<double>& b, int ex, int ew, int ey, bool in_applied_here) {
  g.add_parameter(name + ".w", tensor({s.o, s.c, s.k, s.k}, w));
  g.add_parameter(name + ".b", tensor({s.o}, b));
  Attributes a;
  a.set("pads", std::vector<std::int64_t>{s.pad, s.pad, s.pad, s.pad});
  a.set("kernel_shape", std::vector<std::int64_t>{s.k, s.k});
  Op& op = g.add_op(name, "Conv", {in, name + ".w", name + ".b"}, {out}, a);
  op.annotations[kQuantBitsAnnotation] = "8";
  if (in_applied_here) g.variable(in).quant = config(ex, name + "#0");
  g.variable(name + ".w").quant = config(ew, name + "#1");
  g.variable(name + ".b").quant = config(ex + ew, name + "#2", 32, QuantState::Passive);  // P4: input + weight
  g.variable(out).quant = config(ey, out);
}

struct ConvCase {
  ConvShape s{4, 2, 5, 5, 3, 3, 1};
  int ex = -5, ew = -3, ey = -4;
  std::vector<double> w, b;
  std::vector<std::vector<double>> x;  // per batch
};

// What the reference does to one conv block: returns the corrected bias (or the old one
// when the loss got worse) and the two losses. `fp_in` is what the float block reads: the
// values the quantized graph feeds the block, before the block's own input sockets (a
// graph input is quantized at the conv's input, which the float block skips; esp-ppq
// feeds the raw value too). `q_in` is that input after the socket, as the quantized block
// reads it. With `relu_end` an unquantized Relu ends the block: the loss is on its output,
// the means stay on the conv's.
struct Expected {
  std::vector<double> bias;
  double loss_before = 0, loss_after = 0;
  bool reverted = false;
};
Expected expected_conv_block(const ConvShape& s, const std::vector<std::vector<double>>& fp_in,
                             const std::vector<std::vector<double>>& q_in,
                             const std::vector<std::vector<double>>& reference, const std::vector<double>& w,
                             const std::vector<double>& b, int ew, int eb, int ey, bool relu_end = false) {
  auto end = [&](std::vector<double> y) {
    if (relu_end)
      for (double& v : y) v = std::max(v, 0.0);
    return y;
  };
  const std::vector<double> wq = quantize(w, ew);
  std::vector<double> fp_mean(static_cast<std::size_t>(s.o), 0.0), qt_mean(fp_mean);
  Expected e;
  for (std::size_t i = 0; i < q_in.size(); ++i) {
    const auto fp = conv2d(s, fp_in[i], w, b);
    const auto qt = quantize(conv2d(s, q_in[i], wq, quantize(b, eb, 32)), ey);
    const auto mf = channel_mean(fp, s.n, s.o), mq = channel_mean(qt, s.n, s.o);
    for (int c = 0; c < s.o; ++c) fp_mean[static_cast<std::size_t>(c)] += mf[static_cast<std::size_t>(c)],
                                  qt_mean[static_cast<std::size_t>(c)] += mq[static_cast<std::size_t>(c)];
    e.loss_before += mse(end(qt), reference[i]);
  }
  const double n = static_cast<double>(q_in.size());
  e.loss_before /= n;
  std::vector<double> corrected(b.size());
  for (std::size_t c = 0; c < b.size(); ++c)
    corrected[c] = static_cast<float>(static_cast<float>(b[c]) + static_cast<float>((fp_mean[c] - qt_mean[c]) / n));
  for (std::size_t i = 0; i < q_in.size(); ++i)
    e.loss_after += mse(end(quantize(conv2d(s, q_in[i], wq, quantize(corrected, eb, 32)), ey)), reference[i]);
  e.loss_after /= n;
  e.reverted = e.loss_after > e.loss_before;
  e.bias = e.reverted ? b : corrected;
  return e;
}

ConvCase random_conv_case(std::uint32_t seed, int batches) {
  ConvCase c;
  Grid grid(seed);
  c.w = grid.values(static_cast<std::size_t>(c.s.o * c.s.c * c.s.k * c.s.k), -128, 128, 7);  // [-1, 1], step 2^-7
  c.b = grid.values(static_cast<std::size_t>(c.s.o), -64, 64, 7);
  for (int i = 0; i < batches; ++i)
    c.x.push_back(grid.values(static_cast<std::size_t>(c.s.n * c.s.c * c.s.h * c.s.w), 0, 64, 6));  // [0, 1]
  return c;
}

std::vector<Batch> batches_of(const ConvShape& s, const std::vector<std::vector<double>>& x) {
  std::vector<Batch> out;
  for (const auto& v : x) out.push_back({tensor({s.n, s.c, s.h, s.w}, v)});
  return out;
}

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "channel " << i;
}

TEST(BiasCorrection, SingleConvGetsTheMeanShiftOfItsQuantizedOutput) {
  const ConvCase c = random_conv_case(7, 3);
  Graph g;
  g.add_variable("x", {c.s.n, c.s.c, c.s.h, c.s.w});
  g.set_inputs({"x"});
  add_conv(g, "conv", "x", "y", c.s, c.w, c.b, c.ex, c.ew, c.ey, true);
  g.set_outputs({"y"});

  std::vector<std::vector<double>> q_in, reference;
  for (const auto& x : c.x) {
    q_in.push_back(quantize(x, c.ex));
    reference.push_back(conv2d(c.s, x, c.w, c.b));  // the float model sees the float input
  }
  const Expected e = expected_conv_block(c.s, c.x, q_in, reference, c.w, c.b, c.ew, c.ex + c.ew, c.ey);
  ASSERT_FALSE(e.reverted) << "test data should make the correction pay off";
  ASSERT_LT(e.loss_after, e.loss_before);
  double largest_shift = 0;
  for (std::size_t i = 0; i < c.b.size(); ++i) largest_shift = std::max(largest_shift, std::abs(e.bias[i] - c.b[i]));
  ASSERT_GT(largest_shift, 0.01) << "the coarse weights must shift the output mean";

  const auto run = run_bias_pass(g, batches_of(c.s, c.x));
  expect_near_all(values(*g.variable("conv.b").value), e.bias, kBiasTolerance);
  EXPECT_TRUE(run->result.modified);
  ASSERT_EQ(run->log.progress_lines.size(), 1u);
  EXPECT_NE(run->log.progress_lines[0].find("block [conv -> conv]"), std::string::npos) << run->log.progress_lines[0];
  EXPECT_NE(run->log.progress_lines[0].find(": 1/1"), std::string::npos);
  ASSERT_GE(run->result.notes.size(), 2u);
  EXPECT_NE(run->result.notes[0].find("1 corrected, 0 reverted"), std::string::npos) << run->result.notes[0];
  EXPECT_NE(run->result.notes[1].find("1 bias(es) changed"), std::string::npos) << run->result.notes[1];
  EXPECT_TRUE(run->log.warnings.empty());
  // Only the value moved: the bias config is the same object with the same exponent.
  EXPECT_EQ(g.variable("conv.b").quant->exponents, std::vector<int>{c.ex + c.ew});
}

// Gemm [N, K] x W[O, K]^T + b: the correction is the mean over dim 0 only.
TEST(BiasCorrection, GemmMeansOverTheBatchDim) {
  const int n = 16, k = 6, o = 4, ex = -5, ew = -2, ey = -3;
  Grid grid(11);
  const auto w = grid.values(static_cast<std::size_t>(o * k), -128, 128, 7);
  const auto b = grid.values(static_cast<std::size_t>(o), -64, 64, 7);
  std::vector<std::vector<double>> xs = {grid.values(static_cast<std::size_t>(n * k), 0, 64, 6),
                                         grid.values(static_cast<std::size_t>(n * k), 0, 64, 6)};
  Graph g;
  g.add_variable("x", {n, k});
  g.set_inputs({"x"});
  g.add_parameter("fc.w", tensor({o, k}, w));
  g.add_parameter("fc.b", tensor({o}, b));
  Attributes a;
  a.set("transB", std::int64_t{1});
  Op& fc = g.add_op("fc", "Gemm", {"x", "fc.w", "fc.b"}, {"y"}, a);
  fc.annotations[kQuantBitsAnnotation] = "8";
  g.variable("x").quant = config(ex, "fc#0");
  g.variable("fc.w").quant = config(ew, "fc#1");
  g.variable("fc.b").quant = config(ex + ew, "fc#2", 32, QuantState::Passive);
  g.variable("y").quant = config(ey, "y");
  g.set_outputs({"y"});

  auto gemm = [&](const std::vector<double>& x, const std::vector<double>& wt, const std::vector<double>& bias) {
    std::vector<double> y(static_cast<std::size_t>(n * o));
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < o; ++j) {
        double acc = bias[static_cast<std::size_t>(j)];
        for (int l = 0; l < k; ++l) acc += x[static_cast<std::size_t>(i * k + l)] * wt[static_cast<std::size_t>(j * k + l)];
        y[static_cast<std::size_t>(i * o + j)] = acc;
      }
    return y;
  };
  std::vector<double> fp_mean(o, 0.0), qt_mean(o, 0.0);
  double before = 0;
  for (const auto& x : xs) {
    const auto xq = quantize(x, ex);
    const auto mf = channel_mean(gemm(x, w, b), n, o);  // x: quantized at fc's own input
    const auto qt = quantize(gemm(xq, quantize(w, ew), quantize(b, ex + ew, 32)), ey);
    const auto mq = channel_mean(qt, n, o);
    for (int j = 0; j < o; ++j) fp_mean[static_cast<std::size_t>(j)] += mf[static_cast<std::size_t>(j)] / 2,
                                qt_mean[static_cast<std::size_t>(j)] += mq[static_cast<std::size_t>(j)] / 2;
    before += mse(qt, gemm(x, w, b)) / 2;
  }
  std::vector<double> want(o);
  for (int j = 0; j < o; ++j)
    want[static_cast<std::size_t>(j)] = static_cast<float>(static_cast<float>(b[static_cast<std::size_t>(j)]) +
                                                           static_cast<float>(fp_mean[static_cast<std::size_t>(j)] - qt_mean[static_cast<std::size_t>(j)]));
  double after = 0;
  for (const auto& x : xs)
    after += mse(quantize(gemm(quantize(x, ex), quantize(w, ew), quantize(want, ex + ew, 32)), ey), gemm(x, w, b)) / 2;
  ASSERT_LE(after, before) << "test data should make the correction pay off";

  std::vector<Batch> batches;
  for (const auto& x : xs) batches.push_back({tensor({n, k}, x)});
  run_bias_pass(g, batches);
  expect_near_all(values(*g.variable("fc.b").value), want, kBiasTolerance);
}

// x = 0.3 quantizes to 0 at the conv's input (exponent 0). The quantized output rounds to
// 0, close to the float 0.15; the correction (float block 0.15 minus quantized block 0)
// moves it to 1:
//   float block     0.3 * -1 + 0.45 = 0.15
//   before          q(0 * -1 + q(0.45, 2^-6) = 0.453125, 2^0) = 0     loss 0.0225
//   after, b = 0.6  q(q(0.6, 2^-6) = 0.59375, 2^0) = 1                 loss 0.7225 -> restored
TEST(BiasCorrection, ACorrectionThatMakesTheLossWorseIsRestored) {
  Graph g;
  const ConvShape s{1, 1, 2, 2, 1, 1, 0};
  g.add_variable("x", {1, 1, 2, 2});
  g.set_inputs({"x"});
  add_conv(g, "conv", "x", "y", s, {-1.0}, {0.45}, 0, -6, 0, true);
  g.set_outputs({"y"});
  const auto run = run_bias_pass(g, {{tensor({1, 1, 2, 2}, {0.3, 0.3, 0.3, 0.3})}});
  EXPECT_EQ(g.variable("conv.b").value->to_float(), std::vector<float>{0.45f});  // exactly the old value
  EXPECT_FALSE(run->result.modified);
  ASSERT_EQ(run->log.progress_lines.size(), 1u);
  EXPECT_NE(run->log.progress_lines[0].find("loss 0.0225 -> 0.7225 (worse: reverted)"), std::string::npos)
      << run->log.progress_lines[0];
  EXPECT_NE(run->result.notes[0].find("0 corrected, 1 reverted"), std::string::npos) << run->result.notes[0];
}

// conv1 -> relu -> conv2 with block_size 1: two blocks, {conv1, relu} and {conv2},
// corrected in order. Block 2's quantized input is relu(conv1 quantized) WITH conv1's
// corrected bias; its float reference is the float model (original biases).
std::vector<double> relu(std::vector<double> y) {
  for (double& v : y) v = std::max(v, 0.0);
  return y;
}

Graph chain_graph(const ConvCase& c1, const ConvShape& s2, const std::vector<double>& w2, const std::vector<double>& b2,
                  int ex2, int ew2, int ey2) {
  Graph g;
  g.add_variable("x", {c1.s.n, c1.s.c, c1.s.h, c1.s.w});
  g.set_inputs({"x"});
  add_conv(g, "conv1", "x", "y1", c1.s, c1.w, c1.b, c1.ex, c1.ew, c1.ey, true);
  g.add_op("relu", "Relu", {"y1"}, {"r1"});  // float: passes conv1's quantized output through
  add_conv(g, "conv2", "r1", "y2", s2, w2, b2, ex2, ew2, ey2, false);
  g.variable("r1").quant = nullptr;
  g.set_outputs({"y2"});
  return g;
}

TEST(BiasCorrection, LaterBlocksSeeEarlierCorrections) {
  ConvCase c1 = random_conv_case(3, 2);
  const ConvShape s2{4, 3, 5, 5, 2, 3, 1};
  Grid grid(5);
  const auto w2 = grid.values(static_cast<std::size_t>(s2.o * s2.c * 9), -128, 128, 7);
  const auto b2 = grid.values(static_cast<std::size_t>(s2.o), -64, 64, 7);
  const int ex2 = c1.ey, ew2 = -3, ey2 = -3;
  Graph g = chain_graph(c1, s2, w2, b2, ex2, ew2, ey2);

  std::vector<std::vector<double>> q_in1, ref1, ref2;
  for (const auto& x : c1.x) {
    q_in1.push_back(quantize(x, c1.ex));
    ref1.push_back(relu(conv2d(c1.s, x, c1.w, c1.b)));
    ref2.push_back(conv2d(s2, ref1.back(), w2, b2));
  }
  const Expected e1 = expected_conv_block(c1.s, c1.x, q_in1, ref1, c1.w, c1.b, c1.ew, c1.ex + c1.ew, c1.ey, true);
  std::vector<std::vector<double>> q_in2;
  for (const auto& q : q_in1)
    q_in2.push_back(relu(quantize(conv2d(c1.s, q, quantize(c1.w, c1.ew), quantize(e1.bias, c1.ex + c1.ew, 32)), c1.ey)));
  const Expected e2 = expected_conv_block(s2, q_in2, q_in2, ref2, w2, b2, ew2, ex2 + ew2, ey2);
  ASSERT_FALSE(e1.reverted);
  ASSERT_FALSE(e2.reverted);

  const auto run = run_bias_pass(g, batches_of(c1.s, c1.x), {{"block_size", std::int64_t{1}}});
  expect_near_all(values(*g.variable("conv1.b").value), e1.bias, kBiasTolerance);
  expect_near_all(values(*g.variable("conv2.b").value), e2.bias, kBiasTolerance);
  ASSERT_EQ(run->log.progress_lines.size(), 2u);
  EXPECT_NE(run->log.progress_lines[0].find("block [conv1 -> relu], 2 op(s), 1 biased"), std::string::npos)
      << run->log.progress_lines[0];
  EXPECT_NE(run->result.notes[0].find("2 corrected, 0 reverted"), std::string::npos) << run->result.notes[0];

  // With block_size 2 the three ops form one block: both biases move from the same two
  // block runs (float / quantized, on x quantized), so conv2's correction differs.
  Graph g2 = chain_graph(c1, s2, w2, b2, ex2, ew2, ey2);
  const auto run2 = run_bias_pass(g2, batches_of(c1.s, c1.x), {{"block_size", std::int64_t{2}}});
  ASSERT_EQ(run2->log.progress_lines.size(), 1u);
  EXPECT_NE(run2->log.progress_lines[0].find("block [conv1 -> conv2], 3 op(s), 2 biased"), std::string::npos)
      << run2->log.progress_lines[0];
}

TEST(BiasCorrection, SelectingNothingWarns) {
  const ConvCase c = random_conv_case(1, 1);
  Graph g;
  g.add_variable("x", {c.s.n, c.s.c, c.s.h, c.s.w});
  g.set_inputs({"x"});
  add_conv(g, "conv", "x", "y", c.s, c.w, c.b, c.ex, c.ew, c.ey, true);
  g.set_outputs({"y"});
  const auto batches = batches_of(c.s, c.x);

  auto unknown = run_bias_pass(g, batches, {{"interested_layers", std::vector<std::string>{"/no/Conv"}}});
  ASSERT_EQ(unknown->log.warnings.size(), 2u);
  EXPECT_NE(unknown->log.warnings[0].find("interested_layers names no op of the graph: /no/Conv"), std::string::npos);
  EXPECT_NE(unknown->log.warnings[1].find("nothing corrected: interested_layers [/no/Conv] selects no block"),
            std::string::npos)
      << unknown->log.warnings[1];
  EXPECT_FALSE(unknown->result.modified);
  EXPECT_EQ(values(*g.variable("conv.b").value), as_float(c.b));

  // A conv without bias: a block, but nothing to correct.
  Graph nobias;
  nobias.add_variable("x", {c.s.n, c.s.c, c.s.h, c.s.w});
  nobias.set_inputs({"x"});
  nobias.add_parameter("w", tensor({c.s.o, c.s.c, 3, 3}, c.w));
  nobias.add_op("conv", "Conv", {"x", "w"}, {"y"}).annotations[kQuantBitsAnnotation] = "8";
  nobias.set_outputs({"y"});
  auto none = run_bias_pass(nobias, batches);
  ASSERT_EQ(none->log.warnings.size(), 1u);
  EXPECT_NE(none->log.warnings[0].find("none of the 1 block(s) holds a Conv/ConvTranspose/Gemm with a constant bias"),
            std::string::npos)
      << none->log.warnings[0];
  EXPECT_FALSE(none->result.modified);
}

}  // namespace
}  // namespace qtune::bias_test
