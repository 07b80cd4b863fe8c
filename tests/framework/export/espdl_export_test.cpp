// export_espdl on small hand-built graphs: what is emitted (fused Relu, NHWC layout and
// inserted Transposes, quant_type, requantize at an int8 -> int16 boundary, Quantize /
// Dequantize around a float op, LUTs, test values, the left-shift warning), integers
// checked against an independent clamp(round(w / 2^e)) per target rounding, and a write
// -> read round trip.
#include "export/espdl_export.h"

#include <cmath>
#include <filesystem>

#include <unistd.h>

#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "exec/graph_executor.h"
#include "export/espdl_checklist.h"
#include "export/espdl_file.h"
#include "export/espdl_info.h"
#include "export/weight_layout.h"
#include "qtune/fake_quant.h"
#include "framework/export/export_test_support.h"

namespace qtune {
namespace {

using test::set_exponents;

// x[1,2,4,4] -> Conv(w[3,2,3,3], b, pads 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(w2[4,3], transB) -> y
Graph conv_gemm_graph(std::int64_t batch = 1) {
  Graph g;
  g.name = "small";
  g.add_variable("x", {batch, 2, 4, 4});
  std::vector<float> w(54), b = {0.3f, -0.2f, 0.1f}, w2(12), b2 = {0.05f, -0.07f, 0.01f, 0.2f};
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(static_cast<int>(i) - 27);
  for (std::size_t i = 0; i < w2.size(); ++i) w2[i] = 0.1f * static_cast<float>(static_cast<int>(i) - 6);
  g.add_parameter("w", Tensor::from<float>({3, 2, 3, 3}, w));
  g.add_parameter("b", Tensor::from<float>({3}, b));
  g.add_parameter("w2", Tensor::from<float>({4, 3}, w2));
  g.add_parameter("b2", Tensor::from<float>({4}, b2));
  Attributes conv = test::ints_attr("pads", {1, 1, 1, 1});
  conv.set("kernel_shape", std::vector<std::int64_t>{3, 3});
  g.add_op("conv", "Conv", {"x", "w", "b"}, {"c"}, conv);
  g.add_op("relu", "Relu", {"c"}, {"r"});
  g.add_op("gap", "GlobalAveragePool", {"r"}, {"p"});
  Attributes flat;
  flat.set("axis", std::int64_t{1});
  g.add_op("flat", "Flatten", {"p"}, {"f"}, flat);
  Attributes gemm;
  gemm.set("transB", std::int64_t{1});
  g.add_op("gemm", "Gemm", {"f", "w2", "b2"}, {"y"}, gemm);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

const std::map<std::string, int> kExps = {{"x", -5}, {"w", -7}, {"c", -4}, {"r", -4}, {"p", -5}, {"w2", -6}, {"y", -3}};

Graph quantized(Graph g, const std::string& target, const std::map<std::string, int>& exps = kExps,
                const std::map<std::string, int>& dispatch = {}) {
  auto policy = TargetPolicy::from_target(target);
  for (const auto& [op, bits] : dispatch) policy.dispatch(op, bits);
  quantize_graph(g, policy);
  set_exponents(g, exps);
  return g;
}

const EspdlNode& node(const EspdlModel& m, const std::string& name) {
  const EspdlNode* n = find_node(m.graph, name);
  if (!n) throw std::runtime_error("no node " + name);
  return *n;
}

std::string str_attr(const EspdlNode& n, const std::string& key) { return n.attributes.get_string(key); }

// Independent integerisation: round half to even (P4) or floor(x + 0.5) (S3/C), clamp.
std::vector<std::int64_t> expected_ints(const Tensor& w, const std::vector<int>& exps, int axis, std::int64_t lo, std::int64_t hi,
                                        bool half_even) {
  std::vector<std::int64_t> out;
  const auto v = w.to_double();
  std::int64_t inner = 1;
  for (std::size_t d = static_cast<std::size_t>(std::max(axis, 0)) + 1; d < w.rank(); ++d) inner *= w.shape()[d];
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::size_t ch = axis < 0 ? 0 : (i / static_cast<std::size_t>(inner)) % static_cast<std::size_t>(w.dim(axis));
    const double x = v[i] / std::ldexp(1.0, exps[ch]);
    const double r = half_even ? std::nearbyint(x) : std::floor(x + 0.5);
    out.push_back(std::clamp(static_cast<std::int64_t>(r), lo, hi));
  }
  return out;
}

TEST(EspdlExport, ConvReluGemmAsEspPpqEmitsIt) {
  const Graph g = quantized(conv_gemm_graph(), "esp32p4");
  const EspdlExport e = export_espdl(g, TargetPolicy::from_target("esp32p4"));
  const EspdlModel& m = e.model;
  std::vector<std::string> types;
  for (const auto& n : m.graph.nodes) types.push_back(n.op_type + ":" + n.name);
  EXPECT_EQ(types, (std::vector<std::string>{"Conv:conv", "GlobalAveragePool:gap", "Transpose:PPQ_Operation_0",
                                             "Flatten:flat", "Gemm:gemm"}));
  // Relu fused into the Conv, which now writes the Relu's output.
  EXPECT_EQ(str_attr(node(m, "conv"), "activation"), "Relu");
  EXPECT_EQ(node(m, "conv").outputs, std::vector<std::string>{"r"});
  EXPECT_EQ(str_attr(node(m, "gemm"), "activation"), "Linear");
  EXPECT_EQ(node(m, "gemm").attributes.get_int("transB"), 0);
  for (const auto& n : m.graph.nodes) EXPECT_EQ(str_attr(n, "quant_type"), "S8") << n.name;
  // Back to NCHW before Flatten.
  EXPECT_EQ(node(m, "PPQ_Operation_0").attributes.get_ints("perm"), (std::vector<std::int64_t>{0, 3, 1, 2}));
  // Exported shapes: NHWC after conv-like ops, the true shape after the Transpose.
  auto info = [&](const std::string& name) { return *find_value_info(m.graph, name); };
  EXPECT_EQ(info("x").shape, (std::vector<std::int64_t>{1, 4, 4, 2}));
  EXPECT_EQ(info("r").shape, (std::vector<std::int64_t>{1, 4, 4, 3}));
  EXPECT_EQ(info("p").shape, (std::vector<std::int64_t>{1, 1, 1, 3}));
  EXPECT_EQ(info("PPQ_Variable_0").shape, (std::vector<std::int64_t>{1, 3, 1, 1}));
  EXPECT_EQ(info("f").shape, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(info("x").exponents, std::vector<std::int64_t>{-5});
  EXPECT_EQ(info("x").elem_type, EspdlDataType::Int8);
  EXPECT_EQ(info("PPQ_Variable_0").exponents, std::vector<std::int64_t>{-5});
  ASSERT_EQ(m.graph.inputs.size(), 1u);
  EXPECT_EQ(m.graph.inputs[0].shape, (std::vector<std::int64_t>{1, 4, 4, 2}));
  EXPECT_TRUE(e.warnings.empty()) << e.warnings.front();
}

TEST(EspdlExport, IntegerWeightsAndBiasesPerTargetRounding) {
  // Weights on .5 ties and beyond the int8 range: P4 rounds half to even, S3/C half up.
  Graph base = conv_gemm_graph();
  std::vector<float> w(54);
  const float ties[] = {0.625f, -0.625f, 0.875f, -0.875f, 1.125f, 40.0f, -40.0f, 0.0390625f};  // at 2^-2: 2.5, -2.5, 3.5, ..., clamped
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = ties[i % 8];
  base.variable("w").value = Tensor::from<float>({3, 2, 3, 3}, w);
  base.variable("b").value = Tensor::from<float>({3}, {0.00390625f * 2.5f, -0.00390625f * 2.5f, 3000.0f});  // ties at 2^-8; S3 clamps 768000
  const std::map<std::string, int> exps = {{"x", -6}, {"w", -2}, {"c", -3}, {"r", -3}, {"p", -3}, {"w2", -6}, {"y", -3}};
  for (const char* target : {"esp32p4", "esp32s3", "c"}) {
    const auto policy = TargetPolicy::from_target(target);
    const Graph g = quantized(base, target, exps);
    const EspdlModel m = export_espdl(g, policy).model;
    const bool half_even = policy.rounding() == Rounding::HalfEven;
    // Weight: clamp(round(w / 2^-2)) in [-128, 127], then the target's layout.
    const auto ints = expected_ints(*base.variable("w").value, {-2, -2, -2}, -1, -128, 127, half_even);
    const WeightLayout want = conv_filter_layout(Tensor::from<std::int64_t>({3, 2, 3, 3}, ints).cast(DType::Int8), 0,
                                                 policy.family(), 8);
    const EspdlTensor* wt = find_initializer(m.graph, "w");
    ASSERT_TRUE(wt) << target;
    EXPECT_EQ(wt->data_type, EspdlDataType::Int8);
    EXPECT_EQ(wt->to_int64(), want.value.to_int64()) << target;
    EXPECT_EQ(wt->doc_string, "layout ==> " + want.annotation) << target;
    EXPECT_EQ(wt->dims, (std::vector<std::int64_t>{3, 3, 2, 3}));
    // Bias: exponent = input + weight = -8; int32 for int8 ops; S3 clamps at 20 bits.
    const EspdlTensor* bt = find_initializer(m.graph, "b");
    ASSERT_TRUE(bt);
    EXPECT_EQ(bt->data_type, EspdlDataType::Int32) << target;
    EXPECT_EQ(bt->exponents, (std::vector<std::int64_t>(policy.family() == TargetFamily::P4 ? 3 : 1, -8))) << target;
    const int bias_bits = policy.bias_bits(8);
    EXPECT_EQ(bt->to_int64(), expected_ints(*base.variable("b").value, {-8, -8, -8}, -1, -(std::int64_t{1} << (bias_bits - 1)),
                                            (std::int64_t{1} << (bias_bits - 1)) - 1, half_even))
        << target;
  }
}

TEST(EspdlExport, Int16BoundaryGetsARequantizeNode) {
  const auto policy = [] {
    auto p = TargetPolicy::from_target("esp32p4");
    p.dispatch("gemm", 16);
    return p;
  }();
  Graph g = conv_gemm_graph();
  quantize_graph(g, policy);
  std::map<std::string, int> exps = kExps;
  exps["f"] = -10;  // the Gemm's own int16 input config (met at its input socket)
  set_exponents(g, exps);
  const EspdlModel m = export_espdl(g, policy).model;
  const EspdlNode& gemm = node(m, "gemm");
  EXPECT_EQ(str_attr(gemm, "quant_type"), "S16");
  const EspdlNode* rq = nullptr;
  for (const auto& n : m.graph.nodes)
    if (n.op_type == "RequantizeLinear") rq = &n;
  ASSERT_TRUE(rq);
  EXPECT_EQ(str_attr(*rq, "quant_type"), "S16");
  EXPECT_EQ(rq->inputs[0], "f");
  EXPECT_EQ(gemm.inputs[0], rq->outputs[0]);
  const EspdlValueInfo* from = find_value_info(m.graph, "f");
  const EspdlValueInfo* to = find_value_info(m.graph, rq->outputs[0]);
  EXPECT_EQ(from->elem_type, EspdlDataType::Int8);
  EXPECT_EQ(from->exponents, std::vector<std::int64_t>{-5});
  EXPECT_EQ(to->elem_type, EspdlDataType::Int16);
  EXPECT_EQ(to->exponents, std::vector<std::int64_t>{-10});
  // Scale input = 2^(e_consumer - e_producer), zero point int16.
  const EspdlTensor* scale = find_initializer(m.graph, rq->inputs[1]);
  const EspdlTensor* zp = find_initializer(m.graph, rq->inputs[2]);
  ASSERT_TRUE(scale && zp);
  EXPECT_EQ(scale->to_double(), std::vector<double>{std::ldexp(1.0, -5)});
  EXPECT_EQ(zp->data_type, EspdlDataType::Int16);
  // int16 Gemm: weight int16 in (N/8) blocks, bias int64.
  EXPECT_EQ(find_initializer(m.graph, "w2")->data_type, EspdlDataType::Int16);
  EXPECT_EQ(find_initializer(m.graph, "w2")->doc_string, "layout ==> (N/8)HWC8_UNALIGNED");
  EXPECT_EQ(find_initializer(m.graph, "b2")->data_type, EspdlDataType::Int64);
}

TEST(EspdlExport, FloatOpGetsDequantizeAndQuantizeNodes) {
  // x -> Conv -> Erf (float on ESP-DL) -> Conv -> y
  Graph g;
  g.add_variable("x", {1, 1, 2, 2});
  g.add_parameter("w1", Tensor::from<float>({1, 1, 1, 1}, {0.5f}));
  g.add_parameter("w2", Tensor::from<float>({1, 1, 1, 1}, {0.25f}));
  g.add_op("c1", "Conv", {"x", "w1"}, {"a"});
  g.add_op("erf", "Erf", {"a"}, {"e"});
  g.add_op("c2", "Conv", {"e", "w2"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const Graph q = quantized(g, "esp32p4", {{"x", -4}, {"a", -4}, {"e", -6}, {"y", -6}});
  const EspdlModel m = export_espdl(q, TargetPolicy::from_target("esp32p4")).model;
  std::vector<std::string> seq;
  for (const auto& n : m.graph.nodes) seq.push_back(n.op_type + "/" + str_attr(n, "quant_type"));
  EXPECT_EQ(seq, (std::vector<std::string>{"Conv/S8", "DequantizeLinear/F32", "Erf/F32", "QuantizeLinear/S8", "Conv/S8"}));
  EXPECT_EQ(find_value_info(m.graph, "e")->elem_type, EspdlDataType::Float);
  const EspdlNode& quant = m.graph.nodes[3];
  EXPECT_EQ(find_value_info(m.graph, quant.outputs[0])->exponents, std::vector<std::int64_t>{-6});
  EXPECT_EQ(find_value_info(m.graph, quant.outputs[0])->elem_type, EspdlDataType::Int8);
  EXPECT_EQ(find_initializer(m.graph, quant.inputs[1])->to_double(), std::vector<double>{std::ldexp(1.0, -6)});
}

TEST(EspdlExport, GraphInputReadInAnotherPrecisionIsRequantized) {
  // x -> Conv a (int8) and x -> Conv b (int16): x is given a's int8 config; b gets a Requantize.
  Graph g;
  g.add_variable("x", {1, 1, 2, 2});
  g.add_parameter("wa", Tensor::from<float>({1, 1, 1, 1}, {0.5f}));
  g.add_parameter("wb", Tensor::from<float>({1, 1, 1, 1}, {0.25f}));
  g.add_op("a", "Conv", {"x", "wa"}, {"ya"});
  g.add_op("b", "Conv", {"x", "wb"}, {"yb"});
  g.add_op("add", "Add", {"ya", "yb"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  auto policy = TargetPolicy::from_target("esp32p4");
  policy.dispatch("b", 16);
  quantize_graph(g, policy);
  test::set_exponents(g, {{"x", -5}});
  const EspdlModel m = export_espdl(g, policy).model;
  EXPECT_EQ(find_value_info(m.graph, "x")->elem_type, EspdlDataType::Int8);
  EXPECT_EQ(node(m, "a").inputs[0], "x");
  const std::string fed = node(m, "b").inputs[0];
  ASSERT_NE(fed, "x");
  const EspdlNode* rq = nullptr;
  for (const auto& n : m.graph.nodes)
    if (!n.outputs.empty() && n.outputs[0] == fed) rq = &n;
  ASSERT_TRUE(rq);
  EXPECT_EQ(rq->op_type, "RequantizeLinear");
  EXPECT_EQ(rq->inputs[0], "x");
  EXPECT_EQ(str_attr(*rq, "quant_type"), "S16");
  EXPECT_EQ(find_value_info(m.graph, fed)->elem_type, EspdlDataType::Int16);
}

TEST(EspdlExport, ActivationsBecomeLookupTables) {
  // x -> Conv -> Add(., x) -> Relu -> Clip(0, 0.5) -> Sigmoid -> y
  Graph g;
  g.add_variable("x", {1, 2, 2, 2});
  g.add_parameter("w", Tensor::from<float>({2, 2, 1, 1}, {0.5f, 0.25f, -0.5f, 1.0f}));
  g.add_parameter("lo", Tensor::scalar(0.0f));
  g.add_parameter("hi", Tensor::scalar(0.5f));
  g.add_op("conv", "Conv", {"x", "w"}, {"c"});
  g.add_op("add", "Add", {"c", "x"}, {"a"});
  g.add_op("relu", "Relu", {"a"}, {"r"});
  g.add_op("clip", "Clip", {"r", "lo", "hi"}, {"k"});
  g.add_op("sig", "Sigmoid", {"k"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const Graph q = quantized(g, "esp32p4", {{"x", -4}, {"c", -4}, {"a", -4}, {"y", -7}});
  const EspdlModel m = export_espdl(q, TargetPolicy::from_target("esp32p4")).model;
  // Add -> Relu -> Clip share one exponent (-4); every activation has a table.
  const auto lut_of = [&](const std::string& op) { return find_initializer(m.graph, str_attr(node(m, op), "lut")); };
  EXPECT_EQ(str_attr(node(m, "relu"), "lut"), "Relu_lut_0");
  EXPECT_EQ(str_attr(node(m, "clip"), "lut"), "Clip_lut_1");
  EXPECT_EQ(str_attr(node(m, "sig"), "lut"), "Sigmoid_lut_2");
  EXPECT_EQ(m.graph.initializers[0].name, "Relu_lut_0");  // LUTs come first
  const auto relu = lut_of("relu")->to_int64(), clip = lut_of("clip")->to_int64(), sig = lut_of("sig")->to_int64();
  ASSERT_EQ(relu.size(), 256u);
  for (int k = -128; k < 128; ++k) {
    const std::size_t i = static_cast<std::size_t>(k + 128);
    EXPECT_EQ(relu[i], std::max(k, 0));
    EXPECT_EQ(clip[i], std::clamp(k, 0, 8));  // 0.5 / 2^-4 = 8
    EXPECT_EQ(sig[i], std::min<std::int64_t>(127, static_cast<std::int64_t>(std::nearbyint(128.0 / (1.0 + std::exp(-k / 16.0))))));
  }
  EXPECT_EQ(lut_of("sig")->exponents, std::vector<std::int64_t>{-7});
  EXPECT_EQ(lut_of("clip")->data_type, EspdlDataType::Int8);
  // Clip bounds are exported as int8 with the input's exponent.
  EXPECT_EQ(find_initializer(m.graph, "hi")->to_int64(), std::vector<std::int64_t>{8});
  EXPECT_EQ(find_initializer(m.graph, "hi")->exponents, std::vector<std::int64_t>{-4});
}

TEST(EspdlExport, WarnsWhenAnOutputExponentNeedsALeftShift) {
  // e_out (-14) < e_in (-5) + e_w (-7): mac_shift = -2.
  std::map<std::string, int> exps = kExps;
  exps["c"] = exps["r"] = -14;
  const Graph g = quantized(conv_gemm_graph(), "esp32s3", exps);
  const EspdlExport e = export_espdl(g, TargetPolicy::from_target("esp32s3"));
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_NE(e.warnings[0].find("Conv 'conv' is not deployable"), std::string::npos) << e.warnings[0];
  EXPECT_NE(e.warnings[0].find("= -2"), std::string::npos) << e.warnings[0];
}

TEST(EspdlExport, WriteReadRoundTripAndLoaderChecklist) {
  const auto dir = std::filesystem::temp_directory_path() / ("qtune_export_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const Graph g = quantized(conv_gemm_graph(-1), "esp32p4");  // dynamic batch: exported as 1
  EspdlExportOptions options;
  options.input_shapes = {{8, 2, 4, 4}};
  const EspdlExport e = write_espdl(g, TargetPolicy::from_target("esp32p4"), dir / "m.espdl", options);
  ASSERT_TRUE(std::filesystem::exists(dir / "m.info"));
  ASSERT_TRUE(std::filesystem::exists(dir / "m.json"));
  const std::string bytes = read_file(dir / "m.espdl");
  EXPECT_EQ(bytes, serialize_espdl(e.model));
  const EspdlModel r = read_espdl_file(dir / "m.espdl");
  EXPECT_EQ(espdl_info_text(r), e.info);               // same graph, exponents and integers
  EXPECT_EQ(read_file(dir / "m.info"), e.info);
  EXPECT_EQ(r.graph.inputs[0].shape, (std::vector<std::int64_t>{1, 4, 4, 2}));
  EXPECT_TRUE(espdl_loader_problems(bytes, "m.espdl").empty()) << espdl_loader_problems(bytes, "m.espdl").front();
  EXPECT_NE(e.configs_json.find("\"dispatchings\""), std::string::npos);
  EXPECT_NE(e.configs_json.find("\"gemm\": \"ESPDL_INT8\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(EspdlExport, TestValuesAreTheQuantizedExecutorsIntegers) {
  const Graph g = quantized(conv_gemm_graph(), "esp32p4");
  Tensor x({2, 2, 4, 4});
  for (std::int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(0.37f * static_cast<float>(i));
  EspdlExportOptions options;
  options.test_inputs = {x};
  const EspdlModel m = export_espdl(g, TargetPolicy::from_target("esp32p4"), options).model;
  ASSERT_EQ(m.graph.test_inputs.size(), 1u);
  ASSERT_EQ(m.graph.test_outputs.size(), 1u);
  const EspdlTensor& in = m.graph.test_inputs[0];
  EXPECT_EQ(in.name, "x");
  EXPECT_EQ(in.dims, (std::vector<std::int64_t>{1, 4, 4, 2}));  // sample 0, NHWC
  EXPECT_EQ(in.exponents, std::vector<std::int64_t>{-5});
  const auto ints = in.to_int64();
  for (std::int64_t h = 0; h < 4; ++h)
    for (std::int64_t w = 0; w < 4; ++w)
      for (std::int64_t c = 0; c < 2; ++c) {
        const double v = x.data<float>()[(c * 4 + h) * 4 + w] * 32.0;
        EXPECT_EQ(ints[static_cast<std::size_t>((h * 4 + w) * 2 + c)], std::clamp<std::int64_t>(std::llround(std::nearbyint(v)), -128, 127));
      }
  // Outputs: the fake-quantized run, divided by 2^e.
  Tensor x0({1, 2, 4, 4});
  std::copy_n(x.data<float>(), 32, x0.data<float>());
  const auto hook = make_quant_hook();
  const Tensor y = make_executor(g)->run(std::vector<Tensor>{x0}, hook.get()).at(0);
  const EspdlTensor& out = m.graph.test_outputs[0];
  EXPECT_EQ(out.exponents, std::vector<std::int64_t>{-3});
  ASSERT_EQ(out.numel(), y.numel());
  for (std::int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(static_cast<double>(out.to_int64()[i]), y.data<float>()[i] * 8.0);
}

}  // namespace
}  // namespace qtune
