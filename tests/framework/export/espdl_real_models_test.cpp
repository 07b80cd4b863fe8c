// The export on real models after qtune's baseline calibration: PP-OCR mobile cls (many op
// families: Conv, HardSwish, pools, Reshape/Transpose chains, Softmax) for esp32p4 and
// esp32s3, and both Fashion-MNIST example networks for esp32p4 and the C target. Each file
// passes the loader checklist, reads back identical, and carries test values equal to the
// quantized executor's outputs; every Conv weight has an ESP-DL layout. PP-OCRv4 det (p4)
// shows its ConvTransposes reach the file as InsertZeros + Conv, as esp-ppq writes them.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "export/espdl_checklist.h"
#include "export/espdl_export.h"
#include "export/espdl_file.h"
#include "export/espdl_info.h"
#include "framework/quant/plugin_calibration.h"
#include "framework/integration/ort_fixtures.h"
#include "framework/quant/parity_cases.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;

struct RealCase {
  std::string name;
  fs::path onnx, calib;
  std::string target;
  std::int64_t pad = 0;  // calibration images padded to the model's input size
};

void PrintTo(const RealCase& c, std::ostream* os) { *os << c.name << "/" << c.target; }

std::string real_name(const testing::TestParamInfo<RealCase>& i) { return i.param.name + "_" + i.param.target; }

const fs::path kSource(QTUNE_SOURCE_DIR);

class EspdlRealModels : public testing::TestWithParam<RealCase> {};

TEST_P(EspdlRealModels, ExportIsLoadableAndReadsBack) {
  const RealCase& c = GetParam();
  ASSERT_TRUE(fs::exists(c.onnx)) << c.onnx;
  Graph g = import_onnx(c.onnx);
  simplify(g);
  const auto policy = TargetPolicy::from_target(c.target);
  quantize_graph(g, policy);
  const auto batches = test::batches_of(read_npy(c.calib), 4, c.pad);
  test::calibrate_with_plugins(g, std::vector<std::vector<Tensor>>(batches.begin(), batches.begin() + 8));
  EspdlExportOptions options;
  options.test_inputs = batches.front();
  options.input_shapes = {batches.front()[0].shape()};  // PP-OCR's H and W are dynamic in the ONNX
  const EspdlExport e = export_espdl(g, policy, options);
  const std::string bytes = serialize_espdl(e.model);
  const auto problems = espdl_loader_problems(bytes, c.name);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
  EXPECT_EQ(espdl_info_text(parse_espdl(bytes, c.name)), e.info);
  std::map<std::string, int> types;
  for (const auto& n : e.model.graph.nodes) ++types[n.op_type];
  std::string summary;
  for (const auto& [t, k] : types) summary += fmt::format(" {}x{}", k, t);
  std::cout << fmt::format("[export] {}/{}: {} nodes:{}; {} initializers ({} LUTs); {} warnings\n", c.name, c.target,
                           e.model.graph.nodes.size(), summary, e.model.graph.initializers.size(),
                           std::count_if(e.model.graph.initializers.begin(), e.model.graph.initializers.end(),
                                         [](const EspdlTensor& t) { return t.name.find("_lut_") != std::string::npos; }),
                           e.warnings.size());
  for (const auto& w : e.warnings) std::cout << "  warning: " << w << "\n";
  ASSERT_EQ(e.model.graph.test_outputs.size(), g.outputs().size());
  EXPECT_EQ(e.model.graph.test_inputs[0].dims[0], 1);
}

// Det's two ConvTransposes (kernel 2, stride 2, pads 0; the parity fixture's graph, already
// decomposed as esp-ppq does): each is an InsertZeros node (stride, output_padding, S8,
// NHWC) writing the zero-inserted map a stride-1 Conv with pads k − p − 1 = 1 reads; no op
// lacks an ESP-DL module, and the file passes the loader checklist. Exponents come from
// two calibration batches (loadability does not depend on them).
TEST(EspdlRealModelsDet, ConvTransposesExportAsInsertZerosAndConv) {
  test::ParityCase det;
  for (const auto& c : test::parity_cases())
    if (c.name == "ppocr_det") det = c;
  auto f = test::load_parity_fixture(det);
  ASSERT_TRUE(f) << "PP-OCRv4 det missing from the model cache (run scripts/fetch_models.sh)";
  Graph& g = f->graph;
  const auto policy = TargetPolicy::from_target(det.target);
  quantize_graph(g, policy);
  test::calibrate_with_plugins(g, std::vector<std::vector<Tensor>>(f->batches.begin(), f->batches.begin() + 2));
  EspdlExportOptions options;
  options.test_inputs = f->batches.front();
  const EspdlExport e = export_espdl(g, policy, options);
  const std::string bytes = serialize_espdl(e.model);
  const auto problems = espdl_loader_problems(bytes, "ppocr_det");
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
  for (const auto& w : e.warnings) EXPECT_EQ(w.find("no module"), std::string::npos) << w;
  const EspdlModel back = parse_espdl(bytes, "ppocr_det");
  std::size_t insert_zeros = 0;
  std::set<std::string> names;
  for (const EspdlNode& n : back.graph.nodes) {
    EXPECT_NE(n.op_type, "ConvTranspose") << n.name;
    if (n.op_type != "InsertZeros") continue;
    ++insert_zeros;
    names.insert(n.name);
    EXPECT_EQ(n.attributes.get_ints("stride"), (std::vector<std::int64_t>{2, 2})) << n.name;
    EXPECT_EQ(n.attributes.get_ints("output_padding"), (std::vector<std::int64_t>{0, 0})) << n.name;
    EXPECT_EQ(n.attributes.get_string("quant_type"), "S8") << n.name;
    // NHWC shapes: [1, h, w, c] -> [1, 2h − 1, 2w − 1, c].
    const EspdlValueInfo* in = find_value_info(back.graph, n.inputs.at(0));
    const EspdlValueInfo* out = find_value_info(back.graph, n.outputs.at(0));
    ASSERT_TRUE(in && out) << n.name;
    ASSERT_EQ(in->shape.size(), 4u);
    EXPECT_EQ(out->shape, (std::vector<std::int64_t>{1, 2 * in->shape[1] - 1, 2 * in->shape[2] - 1, in->shape[3]}))
        << n.name;
    EXPECT_EQ(out->exponents.size(), 1u);
    // Its one reader: the former ConvTranspose, now a stride-1 Conv padding k − p − 1 = 1.
    std::size_t readers = 0;
    for (const EspdlNode& c : back.graph.nodes)
      if (std::find(c.inputs.begin(), c.inputs.end(), n.outputs[0]) != c.inputs.end()) {
        ++readers;
        EXPECT_EQ(c.op_type, "Conv") << c.name;
        EXPECT_EQ(c.name.rfind("p2o.ConvTranspose.", 0), 0u) << c.name;
        EXPECT_EQ(c.attributes.get_ints("pads"), (std::vector<std::int64_t>{1, 1, 1, 1})) << c.name;
        EXPECT_EQ(c.attributes.get_ints("strides"), (std::vector<std::int64_t>{1, 1})) << c.name;
      }
    EXPECT_EQ(readers, 1u) << n.name;
  }
  EXPECT_EQ(insert_zeros, 2u);
  EXPECT_EQ(names, (std::set<std::string>{"PPQ_Operation_0", "PPQ_Operation_1"}));  // esp-ppq's names
  std::cout << fmt::format("[export] ppocr_det/{}: {} nodes, {} InsertZeros, {} warnings\n", det.target,
                           back.graph.nodes.size(), insert_zeros, e.warnings.size());
  for (const auto& w : e.warnings) std::cout << "  warning: " << w << "\n";
}

// The PP-OCR cls example's model as published (npm cls.onnx, not the parity case's fixed
// copy): its batch is dynamic, so the simplifier keeps the integer chain
// Shape -> Cast -> Slice -> Cast -> Concat that feeds the last Reshape (and the Softmax's
// Shape -> Reshape). ESP-DL has no Shape or Cast module; at batch 1 the chains are
// constants: the Reshape after the 200-channel global pool reads [1, 200] and the one after
// the 2-way Softmax [1, 2] (what fix_cls.py hard-codes as [-1, 200]).
TEST(EspdlRealModelsCls, DynamicBatchShapeChainsFoldAtBatchOne) {
  const fs::path onnx = test::resolve_model("cache:ppocr/cls.onnx");
  if (!fs::exists(onnx)) GTEST_SKIP() << "model cache lacks " << onnx << " (run scripts/fetch_models.sh)";
  Graph g = import_onnx(onnx);
  simplify(g);
  ASSERT_NE(g.find_op("p2o.Shape.0"), nullptr) << "the published model no longer has its shape chain";
  const auto policy = TargetPolicy::from_target("esp32p4");
  quantize_graph(g, policy);
  const auto batches =
      test::batches_of(read_npy(kSource / "tests/fixtures/parity/ppocr_cls/calib.npy"), 4, 0);
  test::calibrate_with_plugins(g, std::vector<std::vector<Tensor>>(batches.begin(), batches.begin() + 2));
  EspdlExportOptions options;
  options.test_inputs = batches.front();
  options.input_shapes = {batches.front()[0].shape()};
  const EspdlExport e = export_espdl(g, policy, options);
  for (const auto& w : e.warnings) EXPECT_EQ(w.find("no module"), std::string::npos) << w;
  const std::string bytes = serialize_espdl(e.model);
  const auto problems = espdl_loader_problems(bytes, "cls.onnx");
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
  const EspdlModel back = parse_espdl(bytes, "cls.onnx");
  std::map<std::string, const EspdlTensor*> inits;
  for (const auto& t : back.graph.initializers) inits[t.name] = &t;
  std::vector<std::vector<std::int64_t>> reshape_targets;
  for (const auto& n : back.graph.nodes) {
    EXPECT_NE(n.op_type, "Shape") << n.name;
    EXPECT_NE(n.op_type, "Cast") << n.name;
    if (n.op_type != "Reshape") continue;
    ASSERT_TRUE(inits.count(n.inputs.at(1))) << n.name << " reads a computed shape " << n.inputs.at(1);
    reshape_targets.push_back(inits.at(n.inputs.at(1))->to_int64());
  }
  EXPECT_NE(std::find(reshape_targets.begin(), reshape_targets.end(), std::vector<std::int64_t>{1, 200}),
            reshape_targets.end());
  EXPECT_NE(std::find(reshape_targets.begin(), reshape_targets.end(), std::vector<std::int64_t>{1, 2}),
            reshape_targets.end());
}

INSTANTIATE_TEST_SUITE_P(
    Models, EspdlRealModels,
    testing::Values(
        RealCase{"ppocr_cls", kSource / "tests/fixtures/parity/ppocr_cls/cls_fixed.onnx", kSource / "tests/fixtures/parity/ppocr_cls/calib.npy", "esp32p4"},
        RealCase{"ppocr_cls", kSource / "tests/fixtures/parity/ppocr_cls/cls_fixed.onnx", kSource / "tests/fixtures/parity/ppocr_cls/calib.npy", "esp32s3"},
        RealCase{"fashion_cnn", kSource / "examples/fashion_mnist/models/fashion_cnn.onnx", kSource / "examples/fashion_mnist/npy/calib.npy", "esp32p4"},
        RealCase{"fashion_cnn", kSource / "examples/fashion_mnist/models/fashion_cnn.onnx", kSource / "examples/fashion_mnist/npy/calib.npy", "c"},
        RealCase{"fashion_mobilenetv2", kSource / "examples/fashion_mnist/models/fashion_mobilenetv2.onnx", kSource / "examples/fashion_mnist/npy/calib.npy", "esp32p4", 2},
        RealCase{"fashion_mobilenetv2", kSource / "examples/fashion_mnist/models/fashion_mobilenetv2.onnx", kSource / "examples/fashion_mnist/npy/calib.npy", "esp32s3", 2}),
    real_name);

}  // namespace
}  // namespace qtune
