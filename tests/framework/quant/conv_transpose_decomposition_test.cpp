// esp-ppq's ConvTranspose decomposition (InsertZeros + Conv): the rewritten graph, run by the
// executor, against a naive ConvTranspose written here from the ONNX definition (every input
// element scatters W·x into the output at i·s − pad_begin + κ·d); the structure and names
// esp-ppq gives (PPQ_Operation_N / PPQ_Variable_N, its op-list order); what stays a
// ConvTranspose; and how the result is quantized. Tolerance 1e-5 relative: float sums of
// at most a few hundred products in another order.
#include "quant/conv_transpose_decomposition.h"

#include <cmath>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "onnx/simplifier.h"
#include "qtune/quant_graph.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

using Ints = std::vector<std::int64_t>;

Tensor random_tensor(Shape shape, std::uint32_t seed) {
  Tensor t(DType::Float32, std::move(shape));
  std::uint32_t s = seed * 2654435761u + 1;
  for (float& v : t.values<float>()) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  }
  return t;
}

struct Case {
  Shape x;            // [N, Cin, spatial...]
  Shape w;            // [Cin, Cout/g, k...]
  std::int64_t group = 1;
  Ints strides, pads, dilations, output_padding;  // empty = ONNX default
  bool bias = true;
};

// The ONNX ConvTranspose, in double, 1-D or 2-D (1-D as H = 1).
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const Case& c) {
  const bool one_d = x.rank() == 3;
  const std::size_t n = x.rank() - 2;
  auto at = [&](const Ints& v, std::size_t i, std::int64_t def) { return v.empty() ? def : v[i]; };
  const std::int64_t N = x.dim(0), cin = x.dim(1), H = one_d ? 1 : x.dim(2), W = x.dim(-1);
  const std::int64_t cout_g = w.dim(1), cin_g = cin / c.group, cout = cout_g * c.group;
  const std::int64_t KH = one_d ? 1 : w.dim(2), KW = w.dim(-1);
  const std::size_t ih = 0, iw = n - 1;  // attribute index of the H and W dims
  const std::int64_t sh = one_d ? 1 : at(c.strides, ih, 1), sw = at(c.strides, iw, 1);
  const std::int64_t dh = one_d ? 1 : at(c.dilations, ih, 1), dw = at(c.dilations, iw, 1);
  const std::int64_t pt = one_d ? 0 : at(c.pads, ih, 0), pl = at(c.pads, iw, 0);
  const std::int64_t pb = one_d ? 0 : at(c.pads, ih + n, 0), pr = at(c.pads, iw + n, 0);
  const std::int64_t oph = one_d ? 0 : at(c.output_padding, ih, 0), opw = at(c.output_padding, iw, 0);
  const std::int64_t OH = sh * (H - 1) + oph + dh * (KH - 1) + 1 - pt - pb;
  const std::int64_t OW = sw * (W - 1) + opw + dw * (KW - 1) + 1 - pl - pr;
  std::vector<double> y(static_cast<std::size_t>(N * cout * OH * OW), 0.0);
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  for (std::int64_t img = 0; img < N; ++img)
    for (std::int64_t ci = 0; ci < cin; ++ci)
      for (std::int64_t o = 0; o < cout_g; ++o) {
        const std::int64_t co = (ci / cin_g) * cout_g + o;
        for (std::int64_t r = 0; r < H; ++r)
          for (std::int64_t q = 0; q < W; ++q)
            for (std::int64_t kr = 0; kr < KH; ++kr)
              for (std::int64_t kq = 0; kq < KW; ++kq) {
                const std::int64_t orow = r * sh - pt + kr * dh, ocol = q * sw - pl + kq * dw;
                if (orow < 0 || orow >= OH || ocol < 0 || ocol >= OW) continue;
                y[static_cast<std::size_t>(((img * cout + co) * OH + orow) * OW + ocol)] +=
                    double(px[((img * cin + ci) * H + r) * W + q]) * pw[((ci * cout_g + o) * KH + kr) * KW + kq];
              }
      }
  if (b)
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += b->data<float>()[(i / static_cast<std::size_t>(OH * OW)) % cout];
  Tensor out(DType::Float32, one_d ? Shape{N, cout, OW} : Shape{N, cout, OH, OW});
  for (std::size_t i = 0; i < y.size(); ++i) out.data<float>()[i] = static_cast<float>(y[i]);
  return out;
}

Graph one_conv_transpose(const Case& c, const Tensor& w, const Tensor* b) {
  Graph g;
  g.add_variable("x", c.x);
  g.add_parameter("w", w);
  std::vector<std::string> inputs = {"x", "w"};
  if (b) {
    g.add_parameter("b", *b);
    inputs.push_back("b");
  }
  Attributes a;
  a.set("group", c.group);
  if (!c.strides.empty()) a.set("strides", c.strides);
  if (!c.pads.empty()) a.set("pads", c.pads);
  if (!c.dilations.empty()) a.set("dilations", c.dilations);
  if (!c.output_padding.empty()) a.set("output_padding", c.output_padding);
  g.add_op("ct", "ConvTranspose", inputs, {"y"}, std::move(a));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

void expect_close(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(shape_str(actual.shape()), shape_str(expected.shape()));
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    const float e = expected.data<float>()[i];
    ASSERT_NEAR(actual.data<float>()[i], e, 1e-5f * (1.0f + std::abs(e))) << "flat index " << i;
  }
}

// Decomposes, checks the structure, runs the result and compares with the naive loop.
void check_case(const Case& c, std::uint32_t seed) {
  const Tensor x = random_tensor(c.x, seed), w = random_tensor(c.w, seed + 1);
  const Tensor bias = random_tensor({c.w[1] * c.group}, seed + 2);
  const Tensor* b = c.bias ? &bias : nullptr;
  const Tensor expected = naive_conv_transpose(x, w, b, c);

  Graph g = one_conv_transpose(c, w, b);
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  const ConvTransposeDecompositionReport r = decompose_conv_transposes(g, policy);
  g.validate();
  ASSERT_EQ(r.converted, 1u) << (r.notes.empty() ? "" : r.notes.front());
  const Op& conv = g.op("ct");
  EXPECT_EQ(conv.type, "Conv");
  const std::size_t n = c.x.size() - 2;
  EXPECT_EQ(conv.attributes.get_ints("strides"), Ints(n, 1));
  EXPECT_EQ(conv.attributes.get_int("group"), c.group);
  Shape conv_w = c.w;  // [Cin, Cout/g, k...] -> [Cout, Cin/g, k...]
  conv_w[0] = c.w[1] * c.group;
  conv_w[1] = c.w[0] / c.group;
  EXPECT_EQ(shape_str(conv.input(1).value->shape()), shape_str(conv_w));
  bool strided = false;
  for (std::size_t i = 0; i < c.strides.size(); ++i) strided |= c.strides[i] > 1;
  for (std::size_t i = 0; i < c.output_padding.size(); ++i) strided |= c.output_padding[i] > 0;
  EXPECT_EQ(r.insert_zeros, strided ? 1u : 0u);
  const Op* producer = conv.input(0).producer;
  if (strided) {
    ASSERT_TRUE(producer);
    EXPECT_EQ(producer->type, "InsertZeros");
    EXPECT_EQ(producer->name, "PPQ_Operation_0");
    EXPECT_EQ(conv.input(0).name, "PPQ_Variable_0");
    EXPECT_EQ(producer->input(0).name, "x");
    EXPECT_EQ(producer->attributes.get_ints("stride"), c.strides);
  } else {
    EXPECT_EQ(conv.input(0).name, "x");
  }
  const std::vector<Tensor> out = make_executor(g)->run(std::vector<Tensor>{x});
  expect_close(out.at(0), expected);
}

TEST(ConvTransposeDecomposition, Stride2OutputPadding1AsymmetricPads) {
  check_case(Case{{2, 4, 5, 6}, {4, 6, 3, 3}, 1, {2, 2}, {1, 0, 2, 1}, {}, {1, 1}, true}, 1);
}

TEST(ConvTransposeDecomposition, Grouped) {
  check_case(Case{{1, 4, 4, 5}, {4, 3, 3, 2}, 2, {2, 1}, {0, 1, 1, 0}, {}, {1, 0}, true},
             2);
}

TEST(ConvTransposeDecomposition, DepthwiseAndDepthwiseWithMultiplier) {
  check_case(Case{{1, 4, 5, 5}, {4, 1, 3, 3}, 4, {2, 2}, {1, 1, 1, 1}, {}, {}, true}, 3);
  check_case(Case{{1, 3, 4, 4}, {3, 2, 2, 2}, 3, {2, 2}, {}, {}, {}, false}, 4);
}

TEST(ConvTransposeDecomposition, DilationUsesDilatedReachForPads) {
  // esp-ppq's k − p − 1 would be wrong here; d·(k − 1) − p keeps the function.
  check_case(Case{{1, 2, 4, 5}, {2, 3, 3, 3}, 1, {2, 3}, {1, 2, 3, 0}, {2, 2}, {1, 2}, true},
             5);
}

TEST(ConvTransposeDecomposition, OneDAndStrideOne) {
  check_case(Case{{2, 3, 7}, {3, 2, 4}, 1, {3}, {1, 2}, {}, {2}, true}, 6);
  check_case(Case{{1, 3, 5, 5}, {3, 4, 3, 3}, 1, {1, 1}, {1, 0, 0, 1}, {}, {}, true}, 7);  // no InsertZeros
}

TEST(ConvTransposeDecomposition, PadsBeyondTheKernelReachStayAConvTranspose) {
  const Case c{{1, 2, 4, 4}, {2, 2, 2, 2}, 1, {2, 2}, {2, 0, 0, 0}, {}, {}, true};
  Graph g = one_conv_transpose(c, random_tensor(c.w, 1), nullptr);
  TargetPolicy policy = TargetPolicy::from_target("esp32s3");
  const auto r = decompose_conv_transposes(g, policy);
  EXPECT_EQ(r.converted, 0u);
  EXPECT_EQ(g.op("ct").type, "ConvTranspose");
  EXPECT_EQ(g.op_count(), 1u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("'ct'"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[0].find("exceed dilation"), std::string::npos) << r.notes[0];
}

TEST(ConvTransposeDecomposition, SharedWeightIsCopiedForTheRewrittenOp) {
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  const Tensor w = random_tensor({2, 3, 2, 2}, 9);
  g.add_parameter("w", w);
  Attributes a;
  a.set("strides", Ints{2, 2});
  g.add_op("ct", "ConvTranspose", {"x", "w"}, {"y"}, a);
  g.add_op("other", "Relu", {"w"}, {"z"});  // another reader of the weight, in its ConvTranspose layout
  g.set_inputs({"x"});
  g.set_outputs({"y", "z"});
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  decompose_conv_transposes(g, policy);
  EXPECT_EQ(g.variable("w").value->shape(), w.shape());
  EXPECT_EQ(g.variable("w").value->to_float(), w.to_float());
  EXPECT_NE(g.op("ct").input(1).name, "w");
  EXPECT_EQ(g.op("ct").input(1).value->shape(), (Shape{3, 2, 2, 2}));
}

TEST(ConvTransposeDecomposition, InsertZerosInheritsTheDispatchingEntry) {
  const Case c{{1, 2, 3, 3}, {2, 2, 3, 3}, 1, {2, 2}, {1, 1, 1, 1}, {}, {}, true};
  Graph g = one_conv_transpose(c, random_tensor(c.w, 1), nullptr);
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  policy.dispatch("ct", 16);
  decompose_conv_transposes(g, policy);
  EXPECT_EQ(policy.op_bits(g.op("PPQ_Operation_0")), 16);
  EXPECT_EQ(policy.op_bits(g.op("ct")), 16);
}

// A miniature of PP-OCRv4 det's head: ConvTranspose A -> constant bias Add -> BatchNorm ->
// Relu -> ConvTranspose B. esp-ppq's format_graph fuses the Add (bias PPQ_Variable_0) and
// the BN (A re-created at the end of its op list), so its decomposition meets B first:
// B's InsertZeros is PPQ_Operation_0 writing PPQ_Variable_1, A's PPQ_Operation_1 /
// PPQ_Variable_2 (exactly the names in esp-ppq's ppocr_det fixture).
TEST(ConvTransposeDecomposition, NamesFollowEspPpqCountersAndOpOrder) {
  Graph g;
  g.add_variable("x", {1, 4, 3, 3});
  Attributes s2;
  s2.set("strides", Ints{2, 2});
  g.add_parameter("wa", random_tensor({4, 3, 2, 2}, 1));
  g.add_parameter("bias_a", random_tensor({1, 3, 1, 1}, 2));
  for (const char* p : {"gamma", "beta", "mean"}) g.add_parameter(p, random_tensor({3}, 3));
  Tensor var = random_tensor({3}, 4);
  for (float& v : var.values<float>()) v = std::abs(v) + 0.5f;
  g.add_parameter("var", var);
  g.add_parameter("wb", random_tensor({3, 2, 2, 2}, 5));
  g.add_op("convt_a", "ConvTranspose", {"x", "wa"}, {"a"}, s2);
  g.add_op("add", "Add", {"a", "bias_a"}, {"a_b"});
  g.add_op("bn", "BatchNormalization", {"a_b", "gamma", "beta", "mean", "var"}, {"a_bn"});
  g.add_op("relu", "Relu", {"a_bn"}, {"r"});
  g.add_op("convt_b", "ConvTranspose", {"r", "wb"}, {"y"}, s2);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const Tensor x = random_tensor({1, 4, 3, 3}, 6);
  const Tensor before = make_executor(g)->run(std::vector<Tensor>{x}).at(0);

  simplify(g);
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  const auto r = decompose_conv_transposes(g, policy);
  EXPECT_EQ(r.converted, 2u);
  EXPECT_EQ(g.op("convt_b").input(0).name, "PPQ_Variable_1");
  EXPECT_EQ(g.op("convt_b").input(0).producer->name, "PPQ_Operation_0");
  EXPECT_EQ(g.op("convt_a").input(0).name, "PPQ_Variable_2");
  EXPECT_EQ(g.op("convt_a").input(0).producer->name, "PPQ_Operation_1");
  expect_close(make_executor(g)->run(std::vector<Tensor>{x}).at(0), before);
}

// Quantized as esp-ppq quantizes its decomposition (ppocr_det fixture): the InsertZeros
// input shares its producer's config, its output has a config of its own that the Conv's
// data input reads; the flipped weight is per channel on axis 0 (P4).
TEST(ConvTransposeDecomposition, QuantizedAsInsertZerosAndConv) {
  const Case c{{1, 2, 3, 3}, {2, 4, 3, 3}, 1, {2, 2}, {1, 1, 1, 1}, {}, {}, true};
  Graph g = one_conv_transpose(c, random_tensor(c.w, 1), nullptr);
  TargetPolicy policy = TargetPolicy::from_target("esp32p4");
  decompose_conv_transposes(g, policy);
  quantize_graph(g, policy);
  const Op& iz = g.op("PPQ_Operation_0");
  const Op& conv = g.op("ct");
  EXPECT_EQ(op_quant_bits(iz), 8);
  const Variable& z = g.variable("PPQ_Variable_0");
  ASSERT_TRUE(z.quant);
  EXPECT_EQ(z.quant->applied_at, "PPQ_Variable_0");
  EXPECT_EQ(input_config(conv, 0), z.quant);  // Conv data input dominated by the InsertZeros output
  ASSERT_TRUE(input_config(conv, 1));
  EXPECT_EQ(input_config(conv, 1)->channel_axis, 0);
  EXPECT_EQ(input_config(conv, 1)->observer, "minmax");
}

}  // namespace
}  // namespace qtune
