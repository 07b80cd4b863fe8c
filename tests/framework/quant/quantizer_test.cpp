// quantize_graph structure on small hand-built graphs, the quant hook, the calibration
// driver protocol, update_passive_configs and quant_params.json.
#include "quant/quantizer.h"

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "quant/calibration_driver.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"
#include "quant/quant_params_json.h"
#include "onnx/simplifier.h"

namespace qtune {
namespace {

// x -> Conv(w, b) -> Relu -> Flatten -> Gemm(w2, b2) -> Softmax
Graph small_graph() {
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  g.add_parameter("w", Tensor::from<float>({2, 2, 1, 1}, {0.5f, -0.25f, 1.0f, 0.75f}));
  g.add_parameter("b", Tensor::from<float>({2}, {0.1f, -0.2f}));
  g.add_parameter("w2", Tensor::from<float>({3, 18}, std::vector<float>(54, 0.1f)));
  g.add_parameter("b2", Tensor::from<float>({3}, {0.0f, 0.1f, 0.2f}));
  g.add_op("conv", "Conv", {"x", "w", "b"}, {"c"});
  g.add_op("relu", "Relu", {"c"}, {"r"});
  Attributes fa;
  fa.set("axis", std::int64_t{1});
  g.add_op("flat", "Flatten", {"r"}, {"f"}, fa);
  Attributes ga;
  ga.set("transB", std::int64_t{1});
  g.add_op("gemm", "Gemm", {"f", "w2", "b2"}, {"y"}, ga);
  g.add_op("sm", "Softmax", {"y"}, {"p"});
  g.set_inputs({"x"});
  g.set_outputs({"p"});
  return g;
}

TEST(Quantizer, FusionPassiveSharingAndFloatSockets) {
  Graph g = small_graph();
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  const Variable& c = g.variable("c");
  const Variable& r = g.variable("r");
  const Variable& f = g.variable("f");
  ASSERT_TRUE(c.quant && r.quant && f.quant);
  EXPECT_EQ(c.quant, r.quant);              // Conv output fused into the Relu output
  EXPECT_EQ(r.quant->applied_at, "r");      // applied at the Relu, not at the Conv
  EXPECT_FALSE(applied_at_output(g.op("conv"), 0));
  EXPECT_FALSE(applied_at_output(g.op("relu"), 0));  // not before calibration (Initial)
  EXPECT_EQ(f.quant, r.quant);              // Flatten (passive) shares its input's exponent
  EXPECT_FALSE(applied_at_output(g.op("flat"), 0));
  // Weights: per-channel minmax on P4; bias passive, 32 bits, per channel.
  EXPECT_EQ(g.variable("w").quant->channel_axis, 0);
  EXPECT_EQ(g.variable("w").quant->observer, "minmax");
  EXPECT_EQ(g.variable("w2").quant->channel_axis, 0);  // Gemm transB=1
  EXPECT_EQ(g.variable("b").quant->bits, 32);
  EXPECT_EQ(g.variable("b").quant->state, QuantState::PassiveInit);
  // Graph input quantized at its consumer; Softmax output float.
  EXPECT_EQ(g.variable("x").quant->applied_at, "conv#0");
  EXPECT_TRUE(g.op("conv").input_quant[0]);
  EXPECT_EQ(g.variable("p").quant->state, QuantState::Float);
  EXPECT_EQ(op_quant_bits(g.op("sm")), 8);

  // S3: per-tensor percentile weights, 20-bit bias, half-up.
  Graph s3 = small_graph();
  quantize_graph(s3, TargetPolicy::from_target("esp32s3"));
  EXPECT_EQ(s3.variable("w").quant->channel_axis, -1);
  EXPECT_EQ(s3.variable("w").quant->observer, "percentile");
  EXPECT_EQ(s3.variable("b").quant->bits, 20);
  EXPECT_EQ(s3.variable("b").quant->rounding, Rounding::HalfUp);
}

TEST(Quantizer, Int16BoundaryKeepsConsumerConfig) {
  Graph g = small_graph();
  auto p = TargetPolicy::from_target("esp32p4");
  p.dispatch("gemm", 16);
  quantize_graph(g, p);
  const Op& gemm = g.op("gemm");
  ASSERT_TRUE(gemm.input_quant[0]);                 // requantize int8 -> int16 at the Gemm input
  EXPECT_EQ(gemm.input_quant[0]->bits, 16);
  EXPECT_EQ(gemm.input_quant[0]->applied_at, "gemm#0");
  EXPECT_EQ(g.variable("f").quant->bits, 8);
  EXPECT_EQ(g.variable("b2").quant->bits, 40);
  EXPECT_EQ(g.variable("y").quant->bits, 16);
}

class RangeObserver final : public Observer {  // minmax per tensor, §2.1
 public:
  explicit RangeObserver(TensorQuantConfig c, bool two) : c_(std::move(c)), two_(two) {}
  void observe(const Tensor& t) override {
    ++first;
    if (c_.per_channel()) channels_ = static_cast<std::size_t>(t.dim(c_.channel_axis));
    for (float v : t.to_float()) m_ = std::max(m_, std::abs(double(v)));
  }
  bool needs_second_pass() const override { return two_; }
  void observe_second_pass(const Tensor&) override { ++second; }
  std::vector<double> render() override {
    if (c_.per_channel()) {
      return std::vector<double>(channels_, -3.0);
    }
    double s = std::max(2 * m_ / double(c_.quant_max - c_.quant_min), 1e-8);
    return {std::ceil(std::log2(s))};
  }
  int first = 0, second = 0;

 private:
  TensorQuantConfig c_;
  bool two_;
  double m_ = 0;
  std::size_t channels_ = 0;
};

TEST(CalibrationDriver, ProtocolPassiveConfigsAndHook) {
  Graph g = small_graph();
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  std::vector<std::vector<Tensor>> batches;
  for (int i = 0; i < 3; ++i) {
    Tensor t({1, 2, 3, 3});
    for (std::int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = 0.1f * float(k - 8 + i);
    batches.push_back({t});
  }
  std::vector<std::string> asked;
  auto rep = calibrate(g, batches, [&](const std::string& a, const TensorQuantConfig& c) {
    asked.push_back(a);
    return std::make_unique<RangeObserver>(c, a == "kl");
  }, {"kl", {}});
  EXPECT_EQ(rep.parameters, 2u);     // w, w2 (biases are passive)
  EXPECT_EQ(rep.activations, 3u);    // x (at conv), r, y
  EXPECT_EQ(rep.second_pass, 3u);
  EXPECT_EQ(g.variable("x").quant->state, QuantState::Calibrated);
  EXPECT_EQ(g.variable("x").quant->algorithm, "kl");
  EXPECT_EQ(g.variable("w").quant->algorithm, "minmax");
  // Bias exponent = input exponent + weight exponent, per channel.
  const auto& b = *g.variable("b").quant;
  EXPECT_EQ(b.state, QuantState::Passive);
  ASSERT_EQ(b.exponents.size(), 2u);
  EXPECT_EQ(b.exponents[0], g.variable("x").quant->exponents[0] + g.variable("w").quant->exponents[0]);

  // Quantized run: the Relu output is on its grid, the Conv output is not quantized alone.
  auto hook = make_quant_hook();
  auto ex = make_executor(g);
  RunRequest req;
  req.keep_all = true;
  req.hook = hook.get();
  auto out = ex->run(TensorMap{{"x", batches[0][0]}}, req);
  EXPECT_TRUE(applied_at_output(g.op("relu"), 0));
  Tensor r = out.at("r");
  EXPECT_EQ(fake_quantize(r, *g.variable("r").quant).to_float(), r.to_float());
  std::string json = quant_params_json(g);
  EXPECT_NE(json.find("\"r\""), std::string::npos);
  EXPECT_NE(json.find("\"passive\""), std::string::npos);
}

}  // namespace
}  // namespace qtune

namespace qtune {
namespace {

bool element_type_is_integer(const Variable& v) {
  return (v.value ? v.value->dtype() : v.dtype) != DType::Float32;
}

// PP-OCR cls's tail with a dynamic batch: GAP -> Reshape(shape = Concat(Cast(Slice(Shape)),
// [200])). The shape chain's integers must never get int8 configs (the export could not
// write them, and a grid would change the shape); the data path stays quantized.
TEST(Quantizer, IntegerShapeChainStaysFloat) {
  Graph g;
  g.add_variable("x", {-1, 4, 2, 2});  // batch unknown: Shape cannot be folded
  g.add_op("gap", "GlobalAveragePool", {"x"}, {"pooled"});
  g.add_op("shape", "Shape", {"pooled"}, {"dims"});
  Attributes to32;
  to32.set("to", std::int64_t{6});  // INT32
  g.add_op("cast0", "Cast", {"dims"}, {"dims32"}, to32);
  g.add_parameter("starts", Tensor::from<std::int64_t>({1}, {0}));
  g.add_parameter("ends", Tensor::from<std::int64_t>({1}, {1}));
  g.add_op("slice", "Slice", {"dims32", "starts", "ends"}, {"batch32"});
  Attributes to64;
  to64.set("to", std::int64_t{7});  // INT64
  g.add_op("cast1", "Cast", {"batch32"}, {"batch"}, to64);
  g.add_parameter("width", Tensor::from<std::int64_t>({1}, {4}));
  Attributes axis0;
  axis0.set("axis", std::int64_t{0});
  g.add_op("concat", "Concat", {"batch", "width"}, {"target"}, axis0);
  g.add_op("reshape", "Reshape", {"pooled", "target"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});

  simplify(g);
  EXPECT_EQ(g.variable("dims").dtype, DType::Int64);
  EXPECT_EQ(g.variable("dims32").dtype, DType::Int32);
  EXPECT_EQ(g.variable("batch32").dtype, DType::Int32);
  EXPECT_EQ(g.variable("target").dtype, DType::Int64);
  EXPECT_EQ(g.variable("pooled").dtype, DType::Float32);

  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  for (const char* name : {"dims", "dims32", "batch32", "batch", "width", "target"}) {
    const Variable& v = g.variable(name);
    EXPECT_TRUE(!v.quant || v.quant->state == QuantState::Float) << name;
  }
  for (const Op* op : g.ops())
    for (std::size_t i = 0; i < op->inputs.size(); ++i)
      if (op->input_quant[i] && element_type_is_integer(*op->inputs[i])) {
        EXPECT_EQ(op->input_quant[i]->state, QuantState::Float) << op->name << "#" << i;
      }
  ASSERT_TRUE(g.variable("pooled").quant);
  EXPECT_NE(g.variable("pooled").quant->state, QuantState::Float);
}

}  // namespace
}  // namespace qtune
