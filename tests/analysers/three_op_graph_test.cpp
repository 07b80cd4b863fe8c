// The three analysers on a hand-built graph x -> Gemm A -> Relu R -> Gemm B -> y with
// hand-set configs, against ratios this test computes itself (its own Gemm, ReLU, fake
// quantization, LCG sampling and averaging): nothing of the analysers' code is reused.
//
// Configs (int8, round half to even): x at A#0 2^-5; A's weight at A#1 2^-6, bias 32-bit
// at A#2 2^-11; A's output at production 2^-4 (R's input overlaps it); R's output 2^-4
// (B's input overlaps it); B's weight 2^-6, bias 2^-10, output 2^-5.
// The quantized graph holds a "trained" weight of A; the float graph holds the original:
// esp-ppq's dequantize runs the reference on the original, and restores A's own trained
// weight only when A is the op being measured.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "analysis_test_support.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

using test::AnalysisRun;

using Mat = std::vector<std::vector<double>>;   // [sample][feature]

const std::vector<float> kWA = {0.50f, -0.25f, 0.75f, -0.62f, 0.31f, 0.12f, 0.90f, -0.44f, 0.27f, 0.05f, -0.81f, 0.66f};
const std::vector<float> kWATrained = {0.52f, -0.23f, 0.71f, -0.60f, 0.33f, 0.10f, 0.93f, -0.41f, 0.25f, 0.07f, -0.79f, 0.61f};
const std::vector<float> kBA = {0.10f, -0.20f, 0.05f, 0.30f};
const std::vector<float> kWB = {0.35f, -0.70f, 0.21f, 0.58f, -0.47f, 0.13f, 0.88f, -0.29f};
const std::vector<float> kBB = {0.02f, -0.07f};

QuantSlot config(int exponent, const std::string& applied_at, int bits = 8,
                 QuantState state = QuantState::Calibrated) {
  auto c = std::make_shared<TensorQuantConfig>();
  c->bits = bits;
  c->exponents = {exponent};
  c->quant_min = -(std::int64_t{1} << (bits - 1));
  c->quant_max = (std::int64_t{1} << (bits - 1)) - 1;
  c->state = state;
  c->applied_at = applied_at;
  return c;
}

Graph build_graph(const std::vector<float>& wa) {
  Graph g;
  g.add_variable("x", {-1, 3});
  g.set_inputs({"x"});
  g.add_parameter("WA", Tensor::from<float>({4, 3}, wa));
  g.add_parameter("bA", Tensor::from<float>({4}, kBA));
  g.add_parameter("WB", Tensor::from<float>({2, 4}, kWB));
  g.add_parameter("bB", Tensor::from<float>({2}, kBB));
  Attributes trans;
  trans.set("transB", std::int64_t{1});
  g.add_op("A", "Gemm", {"x", "WA", "bA"}, {"a"}, trans);
  g.add_op("R", "Relu", {"a"}, {"r"});
  g.add_op("B", "Gemm", {"r", "WB", "bB"}, {"y"}, trans);
  g.set_outputs({"y"});
  return g;
}

Graph quantized_graph() {
  Graph g = build_graph(kWATrained);
  g.variable("x").quant = config(-5, "A#0");
  g.variable("WA").quant = config(-6, "A#1");
  g.variable("bA").quant = config(-11, "A#2", 32, QuantState::Passive);
  g.variable("a").quant = config(-4, "a");
  g.variable("r").quant = config(-4, "r");
  g.variable("WB").quant = config(-6, "B#1");
  g.variable("bB").quant = config(-10, "B#2", 32, QuantState::Passive);
  g.variable("y").quant = config(-5, "y");
  for (const char* op : {"A", "R", "B"}) g.op(op).annotations[kQuantBitsAnnotation] = "8";
  g.validate();
  return g;
}

// --- the independent reference ------------------------------------------------------

float fq(float v, int exponent, int bits = 8) {
  const double s = std::ldexp(1.0, exponent);
  const double lo = -std::ldexp(1.0, bits - 1), hi = std::ldexp(1.0, bits - 1) - 1;
  return static_cast<float>(std::clamp(std::nearbyint(double(v) / s), lo, hi) * s);   // ties to even
}

std::vector<float> fq(const std::vector<float>& v, int exponent, int bits = 8) {
  std::vector<float> out;
  for (float x : v) out.push_back(fq(x, exponent, bits));
  return out;
}

Mat gemm(const Mat& x, const std::vector<float>& w, const std::vector<float>& b) {
  const std::size_t out = b.size(), in = w.size() / out;
  Mat y(x.size(), std::vector<double>(out));
  for (std::size_t n = 0; n < x.size(); ++n)
    for (std::size_t o = 0; o < out; ++o) {
      double acc = b[o];
      for (std::size_t i = 0; i < in; ++i) acc += x[n][i] * double(w[o * in + i]);
      y[n][o] = static_cast<float>(acc);
    }
  return y;
}

Mat map(const Mat& m, const std::function<double(double)>& f) {
  Mat out = m;
  for (auto& row : out)
    for (double& v : row) v = f(v);
  return out;
}
Mat relu(const Mat& m) { return map(m, [](double v) { return v > 0 ? v : 0.0; }); }
Mat quant(const Mat& m, int e) { return map(m, [e](double v) { return double(fq(float(v), e)); }); }

// Mean over samples of sum((p - r)^2) / (sum(r^2) + 1e-7).
double snr(const Mat& pred, const Mat& real) {
  double total = 0;
  for (std::size_t n = 0; n < real.size(); ++n) {
    double noise = 0, signal = 0;
    for (std::size_t j = 0; j < real[n].size(); ++j) {
      noise += (pred[n][j] - real[n][j]) * (pred[n][j] - real[n][j]);
      signal += real[n][j] * real[n][j];
    }
    total += noise / (signal + 1e-7);
  }
  return total / double(real.size());
}

std::vector<std::size_t> lcg(std::size_t count, std::size_t n) {
  std::vector<std::size_t> out;
  std::uint64_t s = 10086;
  for (std::size_t k = 0; k < count; ++k) {
    out.push_back(s % n);
    s = (0x343FD * s + 0x269EC3) % (std::uint64_t{1} << 32);
  }
  return out;
}

// graphwise: 4096 positions per sample (same in each), ratio per sample.
Mat sampled(const Mat& m) {
  const auto idx = lcg(4096, m[0].size());
  Mat out(m.size());
  for (std::size_t n = 0; n < m.size(); ++n)
    for (std::size_t k : idx) out[n].push_back(m[n][k]);
  return out;
}

// statistical: 1024 elements of the flattened batch.
std::vector<double> flat_samples(const Mat& m) {
  const std::size_t cols = m[0].size();
  std::vector<double> out;
  for (std::size_t k : lcg(1024, m.size() * cols)) out.push_back(m[k / cols][k % cols]);
  return out;
}

struct Forward {
  Mat a, r, y;
};

class ThreeOpGraph : public testing::Test {
 protected:
  void SetUp() override {
    // Two batches of different sizes (3 then 1): the running mean weighs each by its size.
    batches_ = {{{0.9, -1.3, 0.4}, {0.2, 0.7, -0.5}, {-1.1, 0.35, 1.6}}, {{0.05, -0.6, 0.95}}};
    run_.dir = test::fresh_dir("qtune_three_op");
  }
  void TearDown() override { std::filesystem::remove_all(run_.dir); }

  std::vector<Batch> batch_tensors() const {
    std::vector<Batch> out;
    for (const Mat& m : batches_) {
      std::vector<float> flat;
      for (const auto& row : m)
        for (double v : row) flat.push_back(float(v));
      out.push_back({Tensor::from<float>({std::int64_t(m.size()), 3}, flat)});
    }
    return out;
  }

  // Float reference (original WA) and the fully quantized forward (trained WA).
  static Forward float_forward(const Mat& x, const std::vector<float>& wa) {
    Forward f;
    f.a = gemm(x, wa, kBA);
    f.r = relu(f.a);
    f.y = gemm(f.r, kWB, kBB);
    return f;
  }
  static Forward quant_forward(const Mat& x) {
    Forward f;
    f.a = quant(gemm(quant(x, -5), fq(kWATrained, -6), fq(kBA, -11, 32)), -4);
    f.r = quant(relu(f.a), -4);
    f.y = quant(gemm(f.r, fq(kWB, -6), fq(kBB, -10, 32)), -5);
    return f;
  }

  // Runs the analysers with `float_wa` as the float graph's weight of A and checks every
  // ratio against the independent computation.
  void check(const std::vector<float>& float_wa);

  std::vector<Mat> batches_;
  AnalysisRun run_;
};

void expect_ratio(double ours, double expected, const std::string& what) {
  // The executor accumulates in float32, this test in double: about 1e-6 apart.
  EXPECT_NEAR(ours, expected, 1e-5 * std::abs(expected) + 1e-12) << what;
}

void ThreeOpGraph::check(const std::vector<float>& float_wa) {
  const Graph graph = quantized_graph();
  const Graph float_graph = build_graph(float_wa);
  test::run_into(run_, graph, float_graph, batch_tensors());
  for (const auto& w : run_.log.warnings) ADD_FAILURE() << w;

  // Expected values, batch by batch, weighted by batch size.
  double lw_a = 0, lw_b = 0, gw_a = 0, gw_b = 0, weight = 0;
  std::vector<double> a_fp, a_qt, wa_fp, wa_qt;
  for (const Mat& x : batches_) {
    const Forward f = float_forward(x, float_wa);
    const Forward q = quant_forward(x);
    // Only A quantized: x, A's trained weight, bias and output; the rest float.
    const Mat a_only = quant(gemm(quant(x, -5), fq(kWATrained, -6), fq(kBA, -11, 32)), -4);
    const Mat y_a = gemm(relu(a_only), kWB, kBB);
    // Only B quantized: its input overlaps R's output (not applied at B), weights, bias, output.
    const Mat y_b = quant(gemm(f.r, fq(kWB, -6), fq(kBB, -10, 32)), -5);
    const double n = double(x.size());
    lw_a = (lw_a * weight + snr(y_a, f.y) * n) / (weight + n);
    lw_b = (lw_b * weight + snr(y_b, f.y) * n) / (weight + n);
    gw_a = (gw_a * weight + snr(sampled(q.a), sampled(f.a)) * n) / (weight + n);
    gw_b = (gw_b * weight + snr(sampled(q.y), sampled(f.y)) * n) / (weight + n);
    weight += n;
    // R's input as R sees it: A's quantized output in the quantized run.
    for (double v : flat_samples(f.a)) a_fp.push_back(v);
    for (double v : flat_samples(q.a)) a_qt.push_back(v);
    // A's weight input: the float original vs the trained, quantized one.
    const Mat wa_f = {std::vector<double>(float_wa.begin(), float_wa.end())};
    const std::vector<float> wq = fq(kWATrained, -6);
    const Mat wa_q = {std::vector<double>(wq.begin(), wq.end())};
    for (double v : flat_samples(wa_f)) wa_fp.push_back(v);
    for (double v : flat_samples(wa_q)) wa_qt.push_back(v);
  }
  ASSERT_GT(lw_a, 0);
  ASSERT_GT(lw_b, 0);

  const auto layerwise = test::read_artifact(run_.dir, "layerwise_error.json");
  expect_ratio(layerwise["A"].GetDouble(), lw_a, "layerwise A");
  expect_ratio(layerwise["B"].GetDouble(), lw_b, "layerwise B");
  EXPECT_EQ(layerwise.MemberCount(), 2u);   // computing ops only: not R
  const auto graphwise = test::read_artifact(run_.dir, "graphwise_error.json");
  expect_ratio(graphwise["A"].GetDouble(), gw_a, "graphwise A");
  expect_ratio(graphwise["B"].GetDouble(), gw_b, "graphwise B");

  // Statistical: R's input record and A's weight record.
  const auto stats = test::read_artifact(run_.dir, "layer_stats_full.json");
  std::string listed;
  for (const auto& r : stats.GetArray()) listed += std::string(r["Op name"].GetString()) + "/" + r["Variable name"].GetString() + " ";
  ASSERT_EQ(stats.Size(), 10u) << listed;   // A: x, WA, bA, a; R: a, r; B: r, WB, bB, y
  auto find = [&](const char* op, const char* var) -> const rapidjson::Value& {
    for (const auto& r : stats.GetArray())
      if (std::string(r["Op name"].GetString()) == op && std::string(r["Variable name"].GetString()) == var) return r;
    ADD_FAILURE() << "no record " << op << "/" << var;
    return stats[0];
  };
  auto ratio = [](const std::vector<double>& q, const std::vector<double>& f) {
    double noise = 0, signal = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
      noise += (q[i] - f[i]) * (q[i] - f[i]);
      signal += f[i] * f[i];
    }
    return noise / (signal + 1e-7);
  };
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / double(v.size());
  };
  const auto& r_in = find("R", "a");
  EXPECT_FALSE(r_in["Is parameter"].GetBool());
  EXPECT_TRUE(r_in["Is input"].GetBool());
  EXPECT_FALSE(r_in["Is output"].GetBool());
  expect_ratio(r_in["Noise:Signal Power Ratio"].GetDouble(), ratio(a_qt, a_fp), "R input ratio");
  EXPECT_NEAR(r_in["Float Mean"].GetDouble(), mean(a_fp), 1e-6);
  EXPECT_NEAR(r_in["Quantized Mean"].GetDouble(), mean(a_qt), 1e-6);
  EXPECT_EQ(r_in["Quantized Max"].GetDouble(), *std::max_element(a_qt.begin(), a_qt.end()));
  EXPECT_EQ(r_in["Float Hist"].Size(), 32u);
  const auto& wa = find("A", "WA");
  EXPECT_TRUE(wa["Is parameter"].GetBool());
  expect_ratio(wa["Noise:Signal Power Ratio"].GetDouble(), ratio(wa_qt, wa_fp), "A weight ratio");
  EXPECT_NEAR(wa["Float Min"].GetDouble(), *std::min_element(float_wa.begin(), float_wa.end()), 1e-7);
  // Two batches of 1024 samples each.
  double hist_total = 0;
  for (const auto& h : wa["Noise Hist"].GetArray()) hist_total += h.GetDouble();
  EXPECT_EQ(hist_total, 2048.0);
}

TEST_F(ThreeOpGraph, RatiosMatchAnIndependentComputationAfterTraining) { check(kWA); }

// No training: the float graph holds the same weights as the quantized one.
TEST_F(ThreeOpGraph, RatiosMatchAnIndependentComputationWithoutTraining) { check(kWATrained); }

}  // namespace
}  // namespace qtune
