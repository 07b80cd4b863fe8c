// The equalization plugin (reference §3.1) on hand-built graphs: hand-worked scales, a
// naive double-precision recomputation of esp-ppq's algorithm from each weight's ONNX
// layout, the float model unchanged, and a warning for every option that selects nothing.
#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "passes/support/pass_test_support.h"

namespace qtune {
namespace {

using test::add_conv;
using test::add_gemm;
using test::floats;
using test::has_warning;
using test::joined;
using test::random_tensor;
using test::run_float;
using test::run_pass;
using test::values_of;

void expect_values(const Graph& g, const std::string& var, const std::vector<float>& expected, double tol = 1e-6) {
  const std::vector<float> got = values_of(g, var);
  ASSERT_EQ(got.size(), expected.size()) << var;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol * std::max(1.0f, std::fabs(expected[i]))) << var << "[" << i << "]";
}

// x[1,1,2,2] -> c1 (1x1, 2 channels, bias) -> Relu -> c2 (1x1, 2 -> 1) -> y
Graph conv_relu_conv(std::vector<float> w1, std::vector<float> b1, std::vector<float> w2) {
  Graph g;
  g.add_variable("x", {1, 1, 2, 2});
  add_conv(g, "c1", "x", "h", floats({2, 1, 1, 1}, w1), floats({2}, b1));
  g.add_op("relu", "Relu", {"h"}, {"r"});
  add_conv(g, "c2", "r", "y", floats({1, 2, 1, 1}, w2));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

const Tensor kX = floats({1, 1, 2, 2}, {0.5f, -1.0f, 2.0f, 0.25f});

// up = max|W1 row| = [4, 0.25], down = max|W2 column| = [1, 4]:
// s = 1/sqrt(up/down) = [0.5, 4]; then both keys are [2, 1] and later iterations keep s = 1.
TEST(Equalization, HandWorkedConvReluConv) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  const auto before = run_float(g, {kX});
  const auto out = run_pass("equalization", g);
  expect_values(g, "c1.w", {2.0f, 1.0f});
  expect_values(g, "c1.b", {0.5f, 8.0f});
  expect_values(g, "c2.w", {2.0f, 1.0f});
  EXPECT_TRUE(out.result.modified);
  ASSERT_FALSE(out.result.notes.empty());
  EXPECT_NE(out.result.notes[0].find("1 pair(s) equalized"), std::string::npos) << joined(out.result.notes);
  EXPECT_NE(out.result.notes[0].find("2 of 2 channel(s) scaled"), std::string::npos) << joined(out.result.notes);
  EXPECT_TRUE(out.warnings.empty()) << joined(out.warnings);
  test::expect_outputs_close(run_float(g, {kX}), before, 1e-6);
  g.validate();
}

// including_bias: up = max(|W1 row|, |b·m|). m = 0.5: up = [4, 1], s = [0.5, 2];
// m = 2: up = [4, 4], s = [0.5, 1]. Both are balanced after one step.
TEST(Equalization, BiasInUpstreamKeyWithItsMultiplier) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  run_pass("equalization", g, {{"including_bias", true}});
  expect_values(g, "c1.w", {2.0f, 0.5f});
  expect_values(g, "c1.b", {0.5f, 4.0f});
  expect_values(g, "c2.w", {2.0f, 2.0f});

  Graph h = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  run_pass("equalization", h, {{"including_bias", true}, {"bias_multiplier", 2.0}});
  expect_values(h, "c1.w", {2.0f, 0.25f});
  expect_values(h, "c1.b", {0.5f, 2.0f});
  expect_values(h, "c2.w", {2.0f, 4.0f});
}

// Channel 1 has up + down = 4.25 < 4.5: scale 1; channel 0 (5) is scaled by 0.5.
TEST(Equalization, ValueThresholdKeepsSmallChannels) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  const auto out = run_pass("equalization", g, {{"value_threshold", 4.5}});
  expect_values(g, "c1.w", {2.0f, 0.25f});
  expect_values(g, "c1.b", {0.5f, 2.0f});
  expect_values(g, "c2.w", {2.0f, 4.0f});
  EXPECT_NE(out.result.notes[0].find("1 of 2 channel(s) scaled"), std::string::npos) << joined(out.result.notes);
}

// up/down = 100/0.01: s = 0.01 is clamped to 0.1 per step, so it takes two steps.
TEST(Equalization, ScaleIsClampedToTenfoldPerIteration) {
  Graph one = conv_relu_conv({100.0f, 1.0f}, {0.0f, 0.0f}, {0.01f, 1.0f});
  run_pass("equalization", one, {{"iterations", std::int64_t{1}}});
  expect_values(one, "c1.w", {10.0f, 1.0f});
  expect_values(one, "c2.w", {0.1f, 1.0f});
  Graph two = conv_relu_conv({100.0f, 1.0f}, {0.0f, 0.0f}, {0.01f, 1.0f});
  run_pass("equalization", two, {{"iterations", std::int64_t{2}}});
  expect_values(two, "c1.w", {1.0f, 1.0f}, 1e-5);
  expect_values(two, "c2.w", {1.0f, 1.0f}, 1e-5);
}

// Reference quirk (§3.1): a grouped downstream Conv's key is read in esp-ppq's permuted
// channel order. c2 has group 2, 2 input channels per group, W2 = [[4, 1], [16, 1]]
// (channel order 0..3: 4, 1, 16, 1); esp-ppq's rows read them as 4, 16, 1, 1. With
// up = 1: s = sqrt(down) = [2, 4, 1, 1], applied to the natural channels.
TEST(Equalization, GroupedDownstreamConvKeepsReferenceChannelOrder) {
  Graph g;
  g.add_variable("x", {1, 4, 2, 2});
  add_conv(g, "c1", "x", "h", floats({4, 1, 1, 1}, {1, 1, 1, 1}), Tensor(), 4);  // depthwise
  g.add_op("relu", "Relu", {"h"}, {"r"});
  add_conv(g, "c2", "r", "y", floats({2, 2, 1, 1}, {4, 1, 16, 1}), Tensor(), 2);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const Tensor x = random_tensor({1, 4, 2, 2}, 7);
  const auto before = run_float(g, {x});
  run_pass("equalization", g, {{"iterations", std::int64_t{1}}, {"value_threshold", 0.0}});
  expect_values(g, "c1.w", {2.0f, 4.0f, 1.0f, 1.0f});
  expect_values(g, "c2.w", {2.0f, 0.25f, 16.0f, 1.0f});
  test::expect_outputs_close(run_float(g, {x}), before, 1e-6);
}

// --- naive recomputation ----------------------------------------------------------
// Every weight element with its output channel and natural input channel, from the ONNX
// layout (Conv W [O, I/g, k...], Gemm B [N, K] or [K, N]); biases per output channel.
struct NaiveLayer {
  std::vector<double> w, b;
  std::vector<std::int64_t> out_ch, in_ch;
};

NaiveLayer naive_layer(const Graph& g, const std::string& op_name) {
  const Op& op = g.op(op_name);
  const Tensor& w = *op.input(1).value;
  NaiveLayer l;
  for (float v : w.values<float>()) l.w.push_back(v);
  if (op.has_input(2))
    for (float v : op.input(2).value->values<float>()) l.b.push_back(v);
  for (std::int64_t f = 0; f < w.numel(); ++f) {
    if (op.type == "ConvTranspose") {  // W [I, O/g, k...]
      const std::int64_t groups = op.attributes.get_int("group", 1), per_group_out = w.dim(1);
      const std::int64_t k = w.numel() / (w.dim(0) * w.dim(1));
      const std::int64_t i = f / (per_group_out * k), o_local = (f / k) % per_group_out;
      l.out_ch.push_back(i / (w.dim(0) / groups) * per_group_out + o_local);
      l.in_ch.push_back(i);
    } else if (op.type == "Conv") {
      const std::int64_t groups = op.attributes.get_int("group", 1), per_group_in = w.dim(1);
      const std::int64_t k = w.numel() / (w.dim(0) * w.dim(1));
      const std::int64_t o = f / (per_group_in * k), i_local = (f / k) % per_group_in;
      l.out_ch.push_back(o);
      l.in_ch.push_back(o / (w.dim(0) / groups) * per_group_in + i_local);
    } else if (op.attributes.get_int("transB", 0)) {  // B [N, K]
      l.out_ch.push_back(f / w.dim(1));
      l.in_ch.push_back(f % w.dim(1));
    } else {  // B [K, N]
      l.out_ch.push_back(f % w.dim(1));
      l.in_ch.push_back(f / w.dim(1));
    }
  }
  return l;
}

struct NaivePair {
  std::vector<std::string> up, down;
};

struct NaiveOptions {
  int iterations = 10;
  double threshold = 0.5;
  double bias_multiplier = 0.0;  // 0: bias not in the key
  double act_multiplier = 0.5;
  std::map<std::string, std::vector<double>> act;  // per-channel max |output|, measured once
};

void naive_equalize(std::map<std::string, NaiveLayer>& layers, const std::vector<NaivePair>& pairs,
                    const NaiveOptions& o) {
  for (int it = 0; it < o.iterations; ++it)
    for (const NaivePair& p : pairs) {
      std::int64_t channels = 0;
      for (const auto& n : p.up) channels = std::max(channels, *std::max_element(layers[n].out_ch.begin(), layers[n].out_ch.end()) + 1);
      std::vector<double> up(channels, 0.0), down(channels, 0.0), s(channels, 1.0);
      for (const auto& n : p.up) {
        const NaiveLayer& l = layers[n];
        for (std::size_t f = 0; f < l.w.size(); ++f) up[l.out_ch[f]] = std::max(up[l.out_ch[f]], std::fabs(l.w[f]));
        if (o.bias_multiplier > 0 && !l.b.empty())
          for (std::int64_t c = 0; c < channels; ++c)
            up[c] = std::max(up[c], std::fabs(l.b[l.b.size() == 1 ? 0 : c] * o.bias_multiplier));
        if (auto a = o.act.find(n); a != o.act.end())
          for (std::int64_t c = 0; c < channels; ++c) up[c] = std::max(up[c], a->second[c] * o.act_multiplier);
      }
      for (const auto& n : p.down) {
        const NaiveLayer& l = layers[n];
        for (std::size_t f = 0; f < l.w.size(); ++f) down[l.in_ch[f]] = std::max(down[l.in_ch[f]], std::fabs(l.w[f]));
      }
      for (std::int64_t c = 0; c < channels; ++c)
        if (up[c] + down[c] >= o.threshold && up[c] + down[c] > 0)
          s[c] = std::clamp(std::sqrt(down[c] / up[c]), 0.1, 10.0);
      for (const auto& n : p.up) {
        NaiveLayer& l = layers[n];
        for (std::size_t f = 0; f < l.w.size(); ++f) l.w[f] *= s[l.out_ch[f]];
        if (l.b.size() == 1 && channels > 1) l.b.assign(channels, l.b[0]);
        for (std::size_t c = 0; c < l.b.size(); ++c) l.b[c] *= s[c];
      }
      for (const auto& n : p.down) {
        NaiveLayer& l = layers[n];
        for (std::size_t f = 0; f < l.w.size(); ++f) l.w[f] /= s[l.in_ch[f]];
      }
    }
}

void expect_matches_naive(const Graph& g, std::map<std::string, NaiveLayer>& naive, double rel = 2e-5) {
  for (auto& [name, l] : naive) {
    const Op& op = g.op(name);
    const auto w = op.input(1).value->values<float>();
    ASSERT_EQ(w.size(), l.w.size()) << name;
    double scale = 0;
    for (double v : l.w) scale = std::max(scale, std::fabs(v));
    for (std::size_t f = 0; f < w.size(); ++f) EXPECT_NEAR(w[f], l.w[f], rel * scale) << name << " weight " << f;
    if (l.b.empty()) continue;
    const auto b = op.input(2).value->values<float>();
    ASSERT_EQ(b.size(), l.b.size()) << name << " bias";
    for (std::size_t c = 0; c < b.size(); ++c) EXPECT_NEAR(b[c], l.b[c], rel * std::max(1.0, std::fabs(l.b[c]))) << name << " bias " << c;
  }
}

std::map<std::string, NaiveLayer> naive_layers(const Graph& g, const std::vector<std::string>& ops) {
  std::map<std::string, NaiveLayer> m;
  for (const auto& n : ops) m[n] = naive_layer(g, n);
  return m;
}

// Conv 3x3 -> Relu -> depthwise 3x3 -> Relu -> Conv 1x1: two chained pairs, both at
// opt_level 1, each layer's bias scaled with it as upstream layer.
TEST(Equalization, DepthwiseChainMatchesNaiveRecomputation) {
  Graph g;
  g.add_variable("x", {2, 3, 5, 5});
  add_conv(g, "c1", "x", "h1", random_tensor({4, 3, 3, 3}, 1, -2, 2), random_tensor({4}, 2));
  g.add_op("r1", "Relu", {"h1"}, {"a1"});
  add_conv(g, "dw", "a1", "h2", random_tensor({4, 1, 3, 3}, 3, -3, 3), random_tensor({4}, 4), 4);
  g.add_op("r2", "Relu", {"h2"}, {"a2"});
  add_conv(g, "c3", "a2", "y", random_tensor({6, 4, 1, 1}, 5, -0.2f, 0.2f));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  auto naive = naive_layers(g, {"c1", "dw", "c3"});
  const Tensor x = random_tensor({2, 3, 5, 5}, 6);
  const auto before = run_float(g, {x});

  const auto out = run_pass("equalization", g, {{"including_bias", true}, {"value_threshold", 0.0}});
  NaiveOptions o;
  o.threshold = 0.0;
  o.bias_multiplier = 0.5;
  naive_equalize(naive, {{{"c1"}, {"dw"}}, {{"dw"}, {"c3"}}}, o);
  expect_matches_naive(g, naive);
  EXPECT_NE(out.result.notes[0].find("2 pair(s) equalized"), std::string::npos) << joined(out.result.notes);
  test::expect_outputs_close(run_float(g, {x}), before, 1e-5);
}

// Gemm (transB 0, one broadcast bias value) -> Relu -> Gemm (transB 1): the broadcast
// bias becomes one value per channel when it is scaled.
TEST(Equalization, GemmLayoutsMatchNaiveRecomputation) {
  Graph g;
  g.add_variable("x", {3, 5});
  add_gemm(g, "g1", "x", "h", random_tensor({5, 4}, 11, -2, 2), floats({1}, {0.3f}), false);
  g.add_op("relu", "Relu", {"h"}, {"r"});
  add_gemm(g, "g2", "r", "y", random_tensor({3, 4}, 12, -0.5f, 0.5f), floats({3}, {0.1f, 0.2f, 0.3f}), true);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  auto naive = naive_layers(g, {"g1", "g2"});
  const Tensor x = random_tensor({3, 5}, 13);
  const auto before = run_float(g, {x});
  run_pass("equalization", g, {{"value_threshold", 0.0}});
  NaiveOptions o;
  o.threshold = 0.0;
  naive_equalize(naive, {{{"g1"}, {"g2"}}}, o);
  EXPECT_EQ(g.variable("g1.b").value->shape(), (Shape{4}));
  expect_matches_naive(g, naive);
  test::expect_outputs_close(run_float(g, {x}), before, 1e-5);
}

// ConvTranspose (stride 2, bias) -> LeakyRelu -> ConvTranspose: ConvTranspose weights are
// [in, out/group, k...], the other way round from Conv.
TEST(Equalization, ConvTransposeChainMatchesNaiveRecomputation) {
  Graph g;
  g.add_variable("x", {1, 3, 3, 3});
  Attributes up;
  up.set("strides", std::vector<std::int64_t>{2, 2});
  g.add_parameter("t1.w", random_tensor({3, 4, 2, 2}, 61, -2, 2));
  g.add_parameter("t1.b", random_tensor({4}, 62));
  g.add_op("t1", "ConvTranspose", {"x", "t1.w", "t1.b"}, {"h"}, up);
  Attributes leaky;
  leaky.set("alpha", 0.1f);
  g.add_op("leaky", "LeakyRelu", {"h"}, {"r"}, leaky);
  g.add_parameter("t2.w", random_tensor({4, 2, 3, 3}, 63, -0.3f, 0.3f));
  g.add_op("t2", "ConvTranspose", {"r", "t2.w"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  auto naive = naive_layers(g, {"t1", "t2"});
  const Tensor x = random_tensor({1, 3, 3, 3}, 64);
  const auto before = run_float(g, {x});
  const auto out = run_pass("equalization", g, {{"including_bias", true}, {"iterations", std::int64_t{3}}});
  NaiveOptions o;
  o.iterations = 3;
  o.bias_multiplier = 0.5;
  naive_equalize(naive, {{{"t1"}, {"t2"}}}, o);
  expect_matches_naive(g, naive);
  EXPECT_TRUE(out.result.modified);
  test::expect_outputs_close(run_float(g, {x}), before, 1e-5);
}

// x -> c0 -> a0; a0 -> c1 -> a1; Add(a0, a1) -> c2 -> y. opt_level 1 stops at the Add;
// opt_level 2 pairs {c0, c1} (upstream) with {c1, c2} (downstream): c1 is on both sides.
Graph residual(std::uint32_t seed) {
  Graph g;
  g.add_variable("x", {2, 3, 4, 4});
  add_conv(g, "c0", "x", "a0", random_tensor({4, 3, 1, 1}, seed, -3, 3), random_tensor({4}, seed + 1));
  add_conv(g, "c1", "a0", "a1", random_tensor({4, 4, 1, 1}, seed + 2, -0.3f, 0.3f), random_tensor({4}, seed + 3));
  g.add_op("add", "Add", {"a0", "a1"}, {"s"});
  add_conv(g, "c2", "s", "y", random_tensor({2, 4, 1, 1}, seed + 4));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

TEST(Equalization, ResidualAddNeedsOptLevel2) {
  Graph level1 = residual(20);
  const Graph original = level1;
  const auto out1 = run_pass("equalization", level1);
  EXPECT_FALSE(out1.result.modified);
  EXPECT_EQ(values_of(level1, "c0.w"), values_of(original, "c0.w"));
  EXPECT_TRUE(has_warning(out1.warnings, {"equalization.opt_level 1", "no equalization pair", "Add x", "opt_level 2 crosses Add/Sub"}))
      << joined(out1.warnings);

  Graph level2 = residual(20);
  auto naive = naive_layers(level2, {"c0", "c1", "c2"});
  const Tensor x = random_tensor({2, 3, 4, 4}, 21);
  const auto before = run_float(level2, {x});
  const auto out2 = run_pass("equalization", level2, {{"opt_level", std::int64_t{2}}, {"including_bias", true}});
  NaiveOptions o;
  o.bias_multiplier = 0.5;
  naive_equalize(naive, {{{"c0", "c1"}, {"c1", "c2"}}}, o);
  expect_matches_naive(level2, naive);
  EXPECT_TRUE(out2.result.modified);
  EXPECT_TRUE(out2.warnings.empty()) << joined(out2.warnings);
  bool listed = false;
  for (const auto& n : out2.result.notes) listed = listed || n.find("['c0', 'c1'] -> ['c1', 'c2']") != std::string::npos;
  EXPECT_TRUE(listed) << joined(out2.result.notes);
  test::expect_outputs_close(run_float(level2, {x}), before, 1e-5);
}

// including_act: the per-channel max |output of c1| over the first 18 calibration
// batches (batches 18 and 19 hold a huge input that must not count), measured once: the
// second iteration uses the same activation maxima (esp-ppq's behaviour).
TEST(Equalization, IncludingActUsesFirst18BatchesMeasuredOnce) {
  Graph g;
  g.add_variable("x", {1, 2, 2, 2});
  add_conv(g, "c1", "x", "h", floats({2, 2, 1, 1}, {0.1f, 0.05f, -0.02f, 0.1f}), floats({2}, {0.5f, -0.25f}));
  g.add_op("relu", "Relu", {"h"}, {"r"});
  add_conv(g, "c2", "r", "y", floats({1, 2, 1, 1}, {0.3f, 0.05f}));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  std::vector<Batch> batches;
  for (std::uint32_t b = 0; b < 20; ++b) batches.push_back({random_tensor({1, 2, 2, 2}, 100 + b, -4, 4)});
  for (float& v : batches[18][0].values<float>()) v = 1000.0f;
  for (float& v : batches[19][0].values<float>()) v = -1000.0f;

  NaiveOptions o;
  o.iterations = 2;
  o.threshold = 0.0;
  std::vector<double> act(2, 0.0);
  RunRequest fetch;
  fetch.fetch = {"h"};
  const auto executor = make_executor(g);
  for (std::size_t b = 0; b < 18; ++b) {
    const TensorMap out = executor->run(TensorMap{{"x", batches[b][0]}}, fetch);
    const Tensor& h = out.at("h");
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t k = 0; k < 4; ++k) act[c] = std::max(act[c], std::fabs(double(h.data<float>()[c * 4 + k])));
  }
  ASSERT_GT(act[0], 0.2);  // the activation term dominates the 0.1 weights
  o.act["c1"] = act;
  auto naive = naive_layers(g, {"c1", "c2"});
  naive_equalize(naive, {{{"c1"}, {"c2"}}}, o);

  const auto out = run_pass("equalization", g,
                            {{"including_act", true}, {"iterations", std::int64_t{2}}, {"value_threshold", 0.0}}, batches);
  expect_matches_naive(g, naive);
  bool noted = false;
  for (const auto& n : out.result.notes) noted = noted || n.find("from 18 calibration batch(es)") != std::string::npos;
  EXPECT_TRUE(noted) << joined(out.result.notes);
}

// A residual network with pooling, a Gemm head and every key option on: three pairs, the
// float outputs unchanged (1e-5 relative).
TEST(Equalization, FloatOutputsUnchangedOnResidualNetwork) {
  Graph g;
  g.add_variable("x", {2, 3, 8, 8});
  add_conv(g, "c0", "x", "h0", random_tensor({8, 3, 3, 3}, 31, -2, 2), random_tensor({8}, 32));
  g.add_op("r0", "Relu", {"h0"}, {"a0"});
  add_conv(g, "c1", "a0", "h1", random_tensor({8, 8, 1, 1}, 33, -0.5f, 0.5f), random_tensor({8}, 34));
  g.add_op("r1", "Relu", {"h1"}, {"a1"});
  add_conv(g, "c2", "a1", "h2", random_tensor({8, 1, 3, 3}, 35, -4, 4), random_tensor({8}, 36), 8);
  g.add_op("add", "Add", {"a0", "h2"}, {"s"});
  g.add_op("r2", "Relu", {"s"}, {"a2"});
  Attributes pool;
  pool.set("kernel_shape", std::vector<std::int64_t>{2, 2});
  pool.set("strides", std::vector<std::int64_t>{2, 2});
  g.add_op("pool", "MaxPool", {"a2"}, {"p"}, pool);
  add_conv(g, "c3", "p", "h3", random_tensor({6, 8, 3, 3}, 37), random_tensor({6}, 38));
  g.add_op("gap", "GlobalAveragePool", {"h3"}, {"gp"});
  Attributes flat;
  flat.set("axis", std::int64_t{1});
  g.add_op("flat", "Flatten", {"gp"}, {"f"}, flat);
  add_gemm(g, "g1", "f", "l1", random_tensor({5, 6}, 39, -3, 3), random_tensor({5}, 40), true);
  g.add_op("r3", "Relu", {"l1"}, {"a3"});
  add_gemm(g, "g2", "a3", "y", random_tensor({5, 4}, 41, -0.1f, 0.1f), Tensor(), false);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  std::vector<Batch> batches;
  for (std::uint32_t b = 0; b < 4; ++b) batches.push_back({random_tensor({2, 3, 8, 8}, 200 + b)});
  const Graph original = g;
  const auto before = run_float(g, batches[0]);

  const auto out = run_pass("equalization", g,
                            {{"opt_level", std::int64_t{2}}, {"including_bias", true}, {"including_act", true},
                             {"value_threshold", 0.0}},
                            batches);
  // c0 -> Relu -> {c1, Add -> Relu -> MaxPool -> c3} with c2 also feeding the Add;
  // c1 -> Relu -> c2; c3 -> GAP -> Flatten stops; g1 -> Relu -> g2.
  EXPECT_NE(out.result.notes[0].find("3 pair(s) equalized"), std::string::npos) << joined(out.result.notes);
  EXPECT_TRUE(out.warnings.empty()) << joined(out.warnings);
  for (const char* w : {"c0.w", "c1.w", "c2.w", "c3.w", "g1.w", "g2.w"})
    EXPECT_NE(values_of(g, w), values_of(original, w)) << w << " unchanged";
  test::expect_outputs_close(run_float(g, batches[0]), before, 1e-5);
  g.validate();
}

// A weight read by two convs: only the equalized one changes; the other keeps the values.
TEST(Equalization, SharedWeightIsCopiedBeforeScaling) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  g.add_op("other", "Conv", {"x", "c1.w"}, {"o"});
  g.set_outputs({"y", "o"});
  const auto before = run_float(g, {kX});
  run_pass("equalization", g);
  EXPECT_EQ(values_of(g, "c1.w"), (std::vector<float>{4.0f, 0.25f}));  // still the other conv's
  EXPECT_EQ(g.op("other").input(1).name, "c1.w");
  EXPECT_NE(g.op("c1").input(1).name, "c1.w");
  expect_values(g, g.op("c1").input(1).name, {2.0f, 1.0f});
  test::expect_outputs_close(run_float(g, {kX}), before, 1e-6);
}

// --- never silently nothing -------------------------------------------------------

TEST(Equalization, UnknownOrWrongTypeLayerNamesWarn) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  const auto out = run_pass("equalization", g, {{"interested_layers", std::vector<std::string>{"/no/Conv", "relu"}}});
  EXPECT_FALSE(out.result.modified);
  EXPECT_TRUE(has_warning(out.warnings, {"equalization.interested_layers", "'/no/Conv'", "not an op of the graph"}))
      << joined(out.warnings);
  EXPECT_TRUE(has_warning(out.warnings, {"equalization.interested_layers", "'relu' is a Relu", "Conv"}))
      << joined(out.warnings);
  EXPECT_EQ(values_of(g, "c1.w"), (std::vector<float>{4.0f, 0.25f}));

  // A valid name still starts a pair.
  const auto named = run_pass("equalization", g, {{"interested_layers", std::vector<std::string>{"c1"}}});
  EXPECT_TRUE(named.result.modified);
  EXPECT_TRUE(named.warnings.empty()) << joined(named.warnings);
}

TEST(Equalization, ClipBlocksEveryPairAndSaysSo) {
  Graph g;
  g.add_variable("x", {1, 1, 2, 2});
  add_conv(g, "c1", "x", "h", floats({2, 1, 1, 1}, {4.0f, 0.25f}));
  g.add_parameter("lo", Tensor::scalar(0.0f));
  g.add_parameter("hi", Tensor::scalar(6.0f));
  g.add_op("relu6", "Clip", {"h", "lo", "hi"}, {"r"});
  add_conv(g, "c2", "r", "y", floats({1, 2, 1, 1}, {1.0f, 4.0f}));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const auto out = run_pass("equalization", g, {{"opt_level", std::int64_t{2}}});
  EXPECT_FALSE(out.result.modified);
  EXPECT_TRUE(has_warning(out.warnings, {"equalization.opt_level 2", "no equalization pair among 2 candidate layer(s)",
                                         "Clip x1", "1 reach no downstream layer"}))
      << joined(out.warnings);
}

// Pairs esp-ppq would equalize although the float outputs change are skipped, with why.
TEST(Equalization, PairsThatWouldChangeTheModelAreSkipped) {
  {  // the Relu output between the layers is also a graph output
    Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
    g.set_outputs({"y", "r"});
    const auto out = run_pass("equalization", g);
    EXPECT_FALSE(out.result.modified);
    EXPECT_TRUE(has_warning(out.warnings, {"pair ['c1'] -> ['c2'] skipped", "'r' is a graph output"})) << joined(out.warnings);
    EXPECT_EQ(values_of(g, "c1.w"), (std::vector<float>{4.0f, 0.25f}));
  }
  {  // Add with a constant operand at opt_level 2
    Graph g;
    g.add_variable("x", {1, 1, 2, 2});
    add_conv(g, "c1", "x", "h", floats({2, 1, 1, 1}, {4.0f, 0.25f}));
    g.add_parameter("k", floats({1, 2, 1, 1}, {1.0f, 1.0f}));
    g.add_op("add", "Add", {"h", "k"}, {"s"});
    add_conv(g, "c2", "s", "y", floats({1, 2, 1, 1}, {1.0f, 4.0f}));
    g.set_inputs({"x"});
    g.set_outputs({"y"});
    const auto out = run_pass("equalization", g, {{"opt_level", std::int64_t{2}}});
    EXPECT_FALSE(out.result.modified);
    EXPECT_TRUE(has_warning(out.warnings, {"skipped", "'add' (Add) has the constant operand 'k'"})) << joined(out.warnings);
  }
}

// An upstream layer whose output also reaches a layer outside the downstream set (c1
// feeds c3 directly and c2 through the Add): scaling c1 would leave c3 uncompensated.
TEST(Equalization, PairWithAnUncompensatedReaderIsSkipped) {
  Graph g;
  g.add_variable("x", {1, 2, 2, 2});
  add_conv(g, "c0", "x", "a0", random_tensor({2, 2, 1, 1}, 71, -3, 3));
  add_conv(g, "c1", "x", "a1", random_tensor({2, 2, 1, 1}, 72, -3, 3));
  g.add_op("add", "Add", {"a0", "a1"}, {"s"});
  add_conv(g, "c2", "s", "y", random_tensor({2, 2, 1, 1}, 73, -0.1f, 0.1f));
  add_conv(g, "c3", "a1", "y3", random_tensor({2, 2, 1, 1}, 74, -0.1f, 0.1f));
  g.set_inputs({"x"});
  g.set_outputs({"y", "y3"});
  const Graph original = g;
  const auto out = run_pass("equalization", g, {{"opt_level", std::int64_t{2}}});
  EXPECT_FALSE(out.result.modified);
  EXPECT_TRUE(has_warning(out.warnings, {"pair ['c0', 'c1'] -> ['c2'] skipped", "'c3' (Conv) also reads the scaled channels"}))
      << joined(out.warnings);
  for (const char* w : {"c0.w", "c1.w", "c2.w", "c3.w"}) EXPECT_EQ(values_of(g, w), values_of(original, w)) << w;
}

TEST(Equalization, ThresholdAboveEveryKeyWarns) {
  Graph g = conv_relu_conv({4.0f, 0.25f}, {1.0f, 2.0f}, {1.0f, 4.0f});
  const auto out = run_pass("equalization", g, {{"value_threshold", 100.0}});
  EXPECT_FALSE(out.result.modified);
  EXPECT_TRUE(has_warning(out.warnings, {"equalization.value_threshold 100", "keeps scale 1"})) << joined(out.warnings);
}

}  // namespace
}  // namespace qtune
