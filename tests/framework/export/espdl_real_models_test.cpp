// The export on real models after qtune's baseline calibration: PP-OCR mobile cls (many op
// families: Conv, HardSwish, pools, Reshape/Transpose chains, Softmax) for esp32p4 and
// esp32s3, and both Fashion-MNIST example networks for esp32p4 and the C target. Each file
// passes the loader checklist, reads back identical, and carries test values equal to the
// quantized executor's outputs; every Conv weight has an ESP-DL layout.
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "export/espdl_checklist.h"
#include "export/espdl_export.h"
#include "export/espdl_file.h"
#include "export/espdl_info.h"
#include "framework/export/plugin_calibration.h"
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
