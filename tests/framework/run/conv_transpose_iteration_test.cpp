// `qtune iterate` on a small model with a strided ConvTranspose (generic ONNX contract):
// the iteration decomposes it as esp-ppq does before quantizing (InsertZeros + Conv), says
// so in console.log, keeps simplified_ops.json as the model's op list (ConvTranspose, the
// names a setting may use), and exports a model.espdl whose nodes ESP-DL can all create.
// The quantized output must stay close to the float model's (SNR against float outputs
// computed here by the executor on the original, undecomposed graph).
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "exec/graph_executor.h"
#include "framework/cli/run_qtune.h"
#include "framework/onnx/onnx_model_builder.h"
#include "onnx/onnx_import.h"
#include "qtune/npy.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;
using test::quoted;
using test::run_qtune;

std::vector<float> uniform(std::size_t n, std::uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// x [N, 2, 6, 6] -> Conv 3x3 pad 1 -> Relu -> ConvTranspose 3x3 stride 2, pads 1,
// output_padding 1 -> y [N, 3, 12, 12].
std::string conv_transpose_model() {
  test::OnnxModelBuilder b;
  b.input("x", {-1, 2, 6, 6});
  b.initializer("w1", {4, 2, 3, 3}, uniform(72, 1, -0.5f, 0.5f));
  b.initializer("b1", {4}, uniform(4, 2, -0.1f, 0.1f));
  b.initializer("w2", {4, 3, 3, 3}, uniform(108, 3, -0.5f, 0.5f));
  b.initializer("b2", {3}, uniform(3, 4, -0.1f, 0.1f));
  test::attr_ints(b.node("Conv", {"x", "w1", "b1"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  b.node("Relu", {"c"}, {"r"}, "relu");
  auto& ct = b.node("ConvTranspose", {"r", "w2", "b2"}, {"y"}, "up");
  test::attr_ints(ct, "strides", {2, 2});
  test::attr_ints(ct, "pads", {1, 1, 1, 1});
  test::attr_ints(ct, "output_padding", {1, 1});
  b.output("y", {-1, 3, 12, 12}, true);
  return b.bytes();
}

TEST(ConvTransposeIteration, DecomposedQuantizedAndExportedLoadable) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("qtune_convt_iteration_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  const std::string model = conv_transpose_model();
  write_file_atomic(dir / "model.onnx", model);
  const Tensor calib = Tensor::from(Shape{8, 2, 6, 6}, uniform(8 * 72, 5, -1.0f, 1.0f));
  const Tensor eval = Tensor::from(Shape{8, 2, 6, 6}, uniform(8 * 72, 6, -1.0f, 1.0f));
  write_npy(dir / "data/calib.npy", calib);
  write_npy(dir / "data/eval.npy", eval);
  const Graph original = import_onnx_bytes(model, "model.onnx");
  write_npy(dir / "data/reference.npy", make_executor(original)->run(std::vector<Tensor>{eval}).at(0));
  std::ofstream(dir / "cfg.json") << R"({"quant_config": {"model": "model.onnx", "input_shape": [1, 2, 6, 6],
    "batch_size": 4, "calib_steps": 2, "target": "esp32p4"}, "calibration": "data/calib.npy",
    "evaluation": {"inputs": "data/eval.npy", "metric": "snr", "reference_outputs": "data/reference.npy"}})";

  const fs::path out = dir / "outputs/iter_0";
  const auto r = run_qtune("iterate --contract " + quoted(std::string(QTUNE_BINARY_DIR) + "/contracts/libgeneric_onnx.so") +
                           " --contract-config " + quoted((dir / "cfg.json").string()) + " --baseline --no-analyse" +
                           " --output-dir " + quoted(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string console = read_file(out / "console.log");
  EXPECT_NE(console.find("1 ConvTranspose(s) rewritten as Conv, 1 InsertZeros inserted"), std::string::npos) << console;
  EXPECT_EQ(console.find("no module"), std::string::npos) << console;
  const std::string ops = read_file(out / "simplified_ops.json");
  EXPECT_NE(ops.find("\"ConvTranspose\""), std::string::npos) << ops;
  EXPECT_EQ(ops.find("InsertZeros"), std::string::npos) << ops;
  const std::string info = read_file(out / "model.info");
  EXPECT_NE(info.find("= InsertZeros["), std::string::npos) << info;
  EXPECT_EQ(info.find("ConvTranspose["), std::string::npos) << info;
  // int8 with a power-of-two grid on a 2-layer model: well above 20 dB when the decomposed
  // graph computes the ConvTranspose (a wrong flip or pad gives about 0 dB).
  const rapidjson::Document metrics = parse_json(read_file(out / "metrics.json"), "metrics.json");
  ASSERT_TRUE(metrics.HasMember("snr") && metrics["snr"].IsNumber());
  EXPECT_GT(metrics["snr"].GetDouble(), 20.0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace qtune
