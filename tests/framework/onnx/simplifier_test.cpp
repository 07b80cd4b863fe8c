// Simplifier: BN folding (checked against naive Conv/ConvTranspose/Gemm + BN loops written here),
// Identity/Dropout removal, constant folding of shape chains, simplified_ops.json.
#include "onnx/simplifier.h"

#include <cmath>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "framework/onnx/onnx_model_builder.h"
#include "exec/graph_executor.h"
#include "onnx/onnx_import.h"

namespace qtune {
namespace {

using test::attr_float;
using test::attr_int;
using test::attr_ints;
using test::OnnxModelBuilder;

std::vector<float> ramp(std::size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * 1.7f + offset) * scale;
  return v;
}

// Naive NCHW conv, stride 1, symmetric zero padding `pad`, batch 1.
std::vector<float> naive_conv(const std::vector<float>& x, int cin, int h, int w, const std::vector<float>& wt, int cout,
                              int k, int pad, const std::vector<float>& bias) {
  std::vector<float> y(static_cast<std::size_t>(cout * h * w), 0.0f);
  for (int co = 0; co < cout; ++co)
    for (int oy = 0; oy < h; ++oy)
      for (int ox = 0; ox < w; ++ox) {
        double acc = bias.empty() ? 0.0 : bias[co];
        for (int ci = 0; ci < cin; ++ci)
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int iy = oy + ky - pad, ix = ox + kx - pad;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              acc += static_cast<double>(x[(ci * h + iy) * w + ix]) * wt[((co * cin + ci) * k + ky) * k + kx];
            }
        y[(co * h + oy) * w + ox] = static_cast<float>(acc);
      }
  return y;
}

struct Bn {
  std::vector<float> gamma, beta, mean, var;
  float eps;
};

Bn make_bn(int c) {
  Bn bn;
  for (int i = 0; i < c; ++i) {
    bn.gamma.push_back(0.5f + 0.3f * i);
    bn.beta.push_back(-0.2f + 0.1f * i);
    bn.mean.push_back(0.05f * i - 0.1f);
    bn.var.push_back(0.4f + 0.25f * i);
  }
  bn.eps = 1e-3f;
  return bn;
}

void add_bn(OnnxModelBuilder& m, const Bn& bn, const std::string& in, const std::string& out, bool set_eps) {
  const auto c = static_cast<std::int64_t>(bn.gamma.size());
  m.initializer("gamma", {c}, bn.gamma);
  m.initializer("beta", {c}, bn.beta);
  m.initializer("mean", {c}, bn.mean);
  m.initializer("var", {c}, bn.var);
  auto& node = m.node("BatchNormalization", {in, "gamma", "beta", "mean", "var"}, {out}, "bn");
  if (set_eps) attr_float(node, "epsilon", bn.eps);
}

void check_conv_bn_fold(bool with_bias) {
  constexpr int kCin = 2, kCout = 3, kH = 4, kW = 4, kK = 3;
  const auto x = ramp(kCin * kH * kW, 1.0f, 0.3f);
  const auto wt = ramp(kCout * kCin * kK * kK, 0.7f, 1.1f);
  const std::vector<float> bias = with_bias ? std::vector<float>{0.3f, -0.6f, 0.9f} : std::vector<float>{};
  const Bn bn = make_bn(kCout);

  OnnxModelBuilder m(13);
  m.input("x", {1, kCin, kH, kW});
  m.initializer("w", {kCout, kCin, kK, kK}, wt);
  std::vector<std::string> conv_inputs = {"x", "w"};
  if (with_bias) {
    m.initializer("b", {kCout}, bias);
    conv_inputs.push_back("b");
  }
  auto& conv = m.node("Conv", conv_inputs, {"c"}, "conv");
  attr_ints(conv, "pads", {1, 1, 1, 1});
  attr_ints(conv, "kernel_shape", {kK, kK});
  add_bn(m, bn, "c", "y", true);
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "convbn.onnx");
  SimplifyReport r = simplify(g);
  EXPECT_EQ(r.folded_batchnorms, 1u);
  ASSERT_EQ(g.op_count(), 1u);
  const Op& op = g.op("conv");
  EXPECT_EQ(op.outputs[0]->name, "y");  // the graph output keeps its name
  EXPECT_EQ(g.outputs()[0]->name, "y");
  EXPECT_EQ(g.find_variable("c"), nullptr);
  ASSERT_TRUE(op.has_input(2)) << "a Conv without bias gets one";

  // Reference: Conv then BN, by hand.
  auto ref = naive_conv(x, kCin, kH, kW, wt, kCout, kK, 1, bias);
  for (int c = 0; c < kCout; ++c)
    for (int i = 0; i < kH * kW; ++i) {
      float& v = ref[c * kH * kW + i];
      v = bn.gamma[c] * (v - bn.mean[c]) / std::sqrt(bn.var[c] + bn.eps) + bn.beta[c];
    }
  const auto folded = naive_conv(x, kCin, kH, kW, op.constant_input(1).to_float(), kCout, kK, 1,
                                 op.constant_input(2).to_float());
  for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(folded[i], ref[i], 1e-5f * (1.0f + std::fabs(ref[i]))) << i;
}

TEST(Simplifier, FoldsBatchNormIntoConvWithBias) { check_conv_bn_fold(true); }
TEST(Simplifier, FoldsBatchNormIntoConvWithoutBias) { check_conv_bn_fold(false); }

// Naive ConvTranspose, batch 1, no padding: w [Cin, Cout/group, k, k], output (h-1)*s+k.
std::vector<float> naive_conv_transpose(const std::vector<float>& x, int cin, int h, int w, const std::vector<float>& wt,
                                        int cout, int group, int k, int s, const std::vector<float>& bias) {
  const int oh = (h - 1) * s + k, ow = (w - 1) * s + k, cin_g = cin / group, cout_g = cout / group;
  std::vector<double> y(static_cast<std::size_t>(cout * oh * ow), 0.0);
  for (int co = 0; co < cout; ++co)
    for (int i = 0; i < oh * ow; ++i) y[co * oh * ow + i] = bias.empty() ? 0.0 : bias[co];
  for (int ci = 0; ci < cin; ++ci)
    for (int j = 0; j < cout_g; ++j) {
      const int co = (ci / cin_g) * cout_g + j;
      for (int iy = 0; iy < h; ++iy)
        for (int ix = 0; ix < w; ++ix)
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx)
              y[(co * oh + iy * s + ky) * ow + ix * s + kx] +=
                  static_cast<double>(x[(ci * h + iy) * w + ix]) * wt[((ci * cout_g + j) * k + ky) * k + kx];
    }
  return {y.begin(), y.end()};
}

// PP-OCRv4 det's pattern: ConvTranspose -> Add(constant [1, C, 1, 1]) -> BN. Group 2 so
// that a fold scaling weight rows by input channel (or ignoring the group) gives a
// different function.
TEST(Simplifier, FusesBiasAddThenFoldsBatchNormIntoGroupedConvTranspose) {
  constexpr int kCin = 4, kCout = 6, kGroup = 2, kH = 3, kW = 3, kK = 2, kS = 2;
  const auto x = ramp(kCin * kH * kW, 1.0f, 0.3f);
  const auto wt = ramp(kCin * (kCout / kGroup) * kK * kK, 0.7f, 1.1f);
  const auto bias = ramp(kCout, 0.5f, 0.4f);
  const Bn bn = make_bn(kCout);
  OnnxModelBuilder m(13);
  m.input("x", {1, kCin, kH, kW});
  m.initializer("w", {kCin, kCout / kGroup, kK, kK}, wt);
  m.initializer("b", {1, kCout, 1, 1}, bias);
  auto& convt = m.node("ConvTranspose", {"x", "w"}, {"c"}, "convt");
  attr_ints(convt, "strides", {kS, kS});
  attr_ints(convt, "kernel_shape", {kK, kK});
  attr_int(convt, "group", kGroup);
  m.node("Add", {"c", "b"}, {"cb"}, "bias_add");
  add_bn(m, bn, "cb", "y", true);
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "convtbn.onnx");
  const SimplifyReport r = simplify(g);
  EXPECT_EQ(r.fused_bias_adds, 1u);
  EXPECT_EQ(r.folded_batchnorms, 1u);
  ASSERT_EQ(g.op_count(), 1u);
  const Op& op = g.op("convt");
  EXPECT_EQ(op.outputs[0]->name, "y");
  ASSERT_TRUE(op.has_input(2));
  EXPECT_EQ(op.input(2).name, "convt_bias");  // esp-ppq's name for the folded bias
  EXPECT_EQ(op.input(2).value->shape(), (Shape{kCout}));

  auto ref = naive_conv_transpose(x, kCin, kH, kW, wt, kCout, kGroup, kK, kS, bias);
  const int plane = ((kH - 1) * kS + kK) * ((kW - 1) * kS + kK);
  for (int c = 0; c < kCout; ++c)
    for (int i = 0; i < plane; ++i) {
      float& v = ref[c * plane + i];
      v = bn.gamma[c] * (v - bn.mean[c]) / std::sqrt(bn.var[c] + bn.eps) + bn.beta[c];
    }
  const auto folded = naive_conv_transpose(x, kCin, kH, kW, op.constant_input(1).to_float(), kCout, kGroup, kK, kS,
                                           op.constant_input(2).to_float());
  ASSERT_EQ(folded.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(folded[i], ref[i], 1e-5f * (1.0f + std::fabs(ref[i]))) << i;
}

// esp-ppq's FUSE_BIAS_ADD rules: a [1, C, 1, 1] constant becomes the bias (the Conv's
// output name stays, or takes the graph output's name); one output channel, a constant
// that is not per channel, and a Conv that already has a bias keep their Add.
TEST(Simplifier, FusesConstantBiasAddsAsEspPpqDoes) {
  auto run = [](int cout, const test::Dims& bias_dims, bool conv_bias, bool add_is_output) {
    OnnxModelBuilder m(13);
    m.input("x", {1, 2, 3, 3});
    m.initializer("w", {cout, 2, 1, 1}, ramp(static_cast<std::size_t>(cout) * 2, 1.0f, 0.1f));
    std::vector<std::string> ins = {"x", "w"};
    if (conv_bias) {
      m.initializer("cb", {cout}, ramp(static_cast<std::size_t>(cout), 1.0f, 0.7f));
      ins.push_back("cb");
    }
    m.node("Conv", ins, {"c"}, "conv");
    std::size_t n = 1;
    for (auto d : bias_dims) n *= static_cast<std::size_t>(d);
    m.initializer("b", bias_dims, ramp(n, 0.5f, 0.2f));
    m.node("Add", {"b", "c"}, {"a"}, "add");  // constant first: either side is a bias
    if (add_is_output) {
      m.output("a");
    } else {
      m.node("Relu", {"a"}, {"r"}, "relu");
      m.output("r");
    }
    Graph g = import_onnx_bytes(m.bytes(), "biasadd.onnx");
    const Graph before = g;
    const SimplifyReport r = simplify(g);
    // The float function is unchanged either way.
    Tensor x(DType::Float32, {1, 2, 3, 3});
    const auto xv = ramp(18, 1.0f, 0.9f);
    std::copy(xv.begin(), xv.end(), x.data<float>());
    const auto want = make_executor(before)->run(std::vector<Tensor>{x}).at(0).to_float();
    const auto got = make_executor(g)->run(std::vector<Tensor>{x}).at(0).to_float();
    EXPECT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size() && i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
    return std::make_pair(r.fused_bias_adds, std::move(g));
  };
  {
    auto [fused, g] = run(3, {1, 3, 1, 1}, false, false);
    EXPECT_EQ(fused, 1u);
    EXPECT_EQ(g.find_op("add"), nullptr);
    EXPECT_EQ(g.op("conv").outputs[0]->name, "c");  // esp-ppq keeps the Conv's output
    EXPECT_EQ(g.find_variable("a"), nullptr);
    EXPECT_EQ(g.op("conv").input(2).value->shape(), (Shape{3}));
  }
  {
    auto [fused, g] = run(3, {1, 3, 1, 1}, false, true);
    EXPECT_EQ(fused, 1u);
    EXPECT_EQ(g.op("conv").outputs[0]->name, "a");  // a graph output keeps its name
  }
  EXPECT_EQ(run(1, {1, 1, 1, 1}, false, false).first, 0u);  // esp-ppq: shape[1] == 1 is skipped
  EXPECT_EQ(run(3, {1, 1, 1, 3}, false, false).first, 0u);  // per column, not per channel
  EXPECT_EQ(run(3, {3}, false, false).first, 0u);           // rank differs from the weight's
  EXPECT_EQ(run(3, {1, 3, 1, 1}, true, false).first, 0u);   // the Conv has a bias already
}

// Gemm without C + Add([1, N]) becomes Gemm with C and beta 1 (a beta given for an absent
// C would otherwise scale the new bias).
TEST(Simplifier, FusesABiasAddIntoGemmWithoutC) {
  OnnxModelBuilder m(13);
  m.input("a", {2, 3});
  m.initializer("B", {4, 3}, ramp(12, 0.8f, 0.9f));
  m.initializer("c", {1, 4}, {0.1f, -0.2f, 0.3f, -0.4f});
  auto& gemm = m.node("Gemm", {"a", "B"}, {"g"}, "gemm");
  attr_int(gemm, "transB", 1);
  attr_float(gemm, "beta", 0.5f);
  m.node("Add", {"g", "c"}, {"y"}, "add");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "gemmadd.onnx");
  const Graph before = g;
  EXPECT_EQ(simplify(g).fused_bias_adds, 1u);
  ASSERT_EQ(g.op_count(), 1u);
  EXPECT_EQ(g.op("gemm").attributes.get_float("beta", 0.0f), 1.0f);
  Tensor a = Tensor::from<float>({2, 3}, ramp(6, 1.0f, 0.2f));
  const auto want = make_executor(before)->run(std::vector<Tensor>{a}).at(0).to_float();
  const auto got = make_executor(g)->run(std::vector<Tensor>{a}).at(0).to_float();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
}

TEST(Simplifier, FoldsBatchNormIntoGemmTransB) {
  constexpr int kM = 2, kK = 3, kN = 4;
  const auto a = ramp(kM * kK, 1.0f, 0.2f);
  const auto b = ramp(kN * kK, 0.8f, 0.9f);  // transB: [N, K]
  const std::vector<float> c = {0.1f, -0.2f, 0.3f, -0.4f};
  const float beta_g = 0.5f;
  const Bn bn = make_bn(kN);
  OnnxModelBuilder m(13);
  m.input("a", {kM, kK});
  m.initializer("B", {kN, kK}, b);
  m.initializer("C", {kN}, c);
  auto& gemm = m.node("Gemm", {"a", "B", "C"}, {"g"}, "gemm");
  attr_int(gemm, "transB", 1);
  attr_float(gemm, "beta", beta_g);
  add_bn(m, bn, "g", "y", false);  // default epsilon 1e-5
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "gemmbn.onnx");
  EXPECT_EQ(simplify(g).folded_batchnorms, 1u);
  ASSERT_EQ(g.op_count(), 1u);
  const Op& op = g.op("gemm");
  const auto b2 = op.constant_input(1).to_float();
  const auto c2 = op.constant_input(2).to_float();
  const float beta2 = op.attributes.get_float("beta", 1.0f);
  const float alpha2 = op.attributes.get_float("alpha", 1.0f);
  ASSERT_EQ(c2.size(), static_cast<std::size_t>(kN));
  for (int i = 0; i < kM; ++i)
    for (int n = 0; n < kN; ++n) {
      double orig = beta_g * c[n], fold = beta2 * c2[n];
      for (int k = 0; k < kK; ++k) {
        orig += a[i * kK + k] * b[n * kK + k];
        fold += alpha2 * a[i * kK + k] * b2[n * kK + k];
      }
      const double ref = bn.gamma[n] * (orig - bn.mean[n]) / std::sqrt(bn.var[n] + 1e-5) + bn.beta[n];
      EXPECT_NEAR(fold, ref, 1e-5 * (1.0 + std::fabs(ref))) << i << "," << n;
    }
}

TEST(Simplifier, KeepsBatchNormWhenConvOutputHasAnotherConsumer) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 2, 2, 2});
  m.initializer("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  m.node("Conv", {"x", "w"}, {"c"}, "conv");
  add_bn(m, make_bn(2), "c", "y", true);
  m.node("Relu", {"c"}, {"z"}, "relu");
  m.output("y");
  m.output("z");
  Graph g = import_onnx_bytes(m.bytes(), "shared.onnx");
  EXPECT_EQ(simplify(g).folded_batchnorms, 0u);
  EXPECT_NE(g.find_op("bn"), nullptr);
  EXPECT_EQ(g.variable("w").value->to_float(), (std::vector<float>{1, 0, 0, 1}));  // weights untouched
}

TEST(Simplifier, RemovesIdentityAndDropoutByRewiring) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Relu", {"x"}, {"a"}, "relu1");
  m.node("Identity", {"a"}, {"b"}, "id");
  m.node("Dropout", {"b"}, {"c"}, "drop");
  m.node("Sigmoid", {"c"}, {"y"}, "sig");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "id.onnx");
  SimplifyReport r = simplify(g);
  EXPECT_EQ(r.removed_ops, 2u);
  ASSERT_EQ(g.op_count(), 2u);
  EXPECT_EQ(g.op("sig").inputs[0]->name, "a");
  EXPECT_EQ(g.find_variable("b"), nullptr);
  EXPECT_EQ(g.find_variable("c"), nullptr);
}

TEST(Simplifier, IdentityWritingAGraphOutputKeepsTheOutputName) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Relu", {"x"}, {"a"}, "relu");
  m.node("Identity", {"a"}, {"out"}, "id");
  m.node("Identity", {"x"}, {"copy"}, "id_of_input");
  m.output("out");
  m.output("copy");
  Graph g = import_onnx_bytes(m.bytes(), "idout.onnx");
  simplify(g);
  EXPECT_EQ(g.find_op("id"), nullptr);
  EXPECT_EQ(g.variable("out").producer, &g.op("relu"));
  EXPECT_EQ(g.find_variable("a"), nullptr);
  EXPECT_EQ(g.outputs()[0]->name, "out");
  // An output that copies a graph input is a real op: kept.
  ASSERT_NE(g.find_op("id_of_input"), nullptr);
  EXPECT_EQ(g.outputs()[1]->name, "copy");
}

TEST(Simplifier, FoldsShapeGatherUnsqueezeConcatChainIntoReshapeConstant) {
  OnnxModelBuilder m(13);
  m.input("x", {-1, 3, 4, 4});
  m.initializer_int64("idx0", {}, {0});
  m.initializer_int64("axes0", {1}, {0});
  m.initializer_int64("minus1", {1}, {-1});
  m.node("Shape", {"x"}, {"s"}, "shape");
  auto& gather = m.node("Gather", {"s", "idx0"}, {"n"}, "gather");
  attr_int(gather, "axis", 0);
  m.node("Unsqueeze", {"n", "axes0"}, {"n1"}, "unsq");
  auto& concat = m.node("Concat", {"n1", "minus1"}, {"shape_out"}, "concat");
  attr_int(concat, "axis", 0);
  m.node("Reshape", {"x", "shape_out"}, {"y"}, "reshape");
  m.output("y");
  ImportOptions o;
  o.batch_size = 2;
  Graph g = import_onnx_bytes(m.bytes(), "chain.onnx", o);
  SimplifyReport r = simplify(g);
  EXPECT_EQ(r.folded_constants, 4u);
  ASSERT_EQ(g.op_count(), 1u);
  const Op& reshape = g.op("reshape");
  ASSERT_TRUE(reshape.inputs[1]->is_parameter);
  EXPECT_EQ(reshape.constant_input(1).to_int64(), (std::vector<std::int64_t>{2, -1}));

  // Without a known batch the Shape stays, and so does the chain.
  Graph dynamic = import_onnx_bytes(m.bytes(), "chain.onnx");
  EXPECT_EQ(simplify(dynamic).folded_constants, 0u);
  EXPECT_EQ(dynamic.op_count(), 5u);
}

TEST(Simplifier, FoldsOpsOnConstantsWithTheirKernels) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 3});
  m.initializer("p", {3}, {1.0f, 2.0f, 3.0f});
  m.initializer("q", {3}, {0.5f, -1.0f, 4.0f});
  m.node("Add", {"p", "q"}, {"pq"}, "add_const");
  m.node("Mul", {"x", "pq"}, {"y"}, "mul");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "fold.onnx");
  EXPECT_EQ(simplify(g).folded_constants, 1u);
  ASSERT_EQ(g.op_count(), 1u);
  EXPECT_EQ(g.op("mul").constant_input(1).to_float(), (std::vector<float>{1.5f, 1.0f, 7.0f}));
  EXPECT_EQ(g.find_variable("p"), nullptr);  // dead parameters are removed
}

TEST(Simplifier, SimplifiedOpsJsonListsOpsInTopologicalOrder) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Sigmoid", {"a"}, {"y"}, "second \"quoted\"");
  m.node("Relu", {"x"}, {"a"}, "first");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "json.onnx");
  simplify(g);
  rapidjson::Document doc;
  doc.Parse(simplified_ops_json(g).c_str());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 2u);
  EXPECT_STREQ(doc[0]["name"].GetString(), "first");
  EXPECT_STREQ(doc[0]["type"].GetString(), "Relu");
  EXPECT_STREQ(doc[1]["name"].GetString(), "second \"quoted\"");
  EXPECT_STREQ(doc[1]["type"].GetString(), "Sigmoid");
}

}  // namespace
}  // namespace qtune
