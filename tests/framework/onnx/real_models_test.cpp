// Imports the real models shipped with the project (skipped when a file is absent):
// every op must have a kernel, and simplify() must leave a valid graph that computes
// the same float function.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"

namespace qtune {
namespace {

const std::filesystem::path kSource = QTUNE_SOURCE_DIR;
const std::filesystem::path kParity = kSource / "tests/fixtures/parity";

std::size_t count_type(const Graph& g, const std::string& type) {
  std::size_t n = 0;
  for (const Op* op : g.ops()) n += op->type == type;
  return n;
}

// Deterministic input in [-1, 1] of the graph input's (fully static) shape.
Tensor probe_input(const Variable& input) {
  Tensor t(DType::Float32, input.shape);
  float* d = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) d[i] = std::sin(0.37f * static_cast<float>(i));
  return t;
}

// simplify() must not change the float function: the simplified graph's outputs are
// compared with the imported graph's (BN and Identity run by their own kernels there).
// Tolerance 1e-4 relative to the output's largest magnitude: BN folding reassociates
// float products.
void expect_same_function(const Graph& before, const Graph& after) {
  ASSERT_EQ(before.inputs().size(), 1u);
  const Tensor x = probe_input(*before.inputs()[0]);
  const auto ref = make_executor(before)->run(std::vector<Tensor>{x});
  const auto got = make_executor(after)->run(std::vector<Tensor>{x});
  ASSERT_EQ(ref.size(), got.size());
  for (std::size_t o = 0; o < ref.size(); ++o) {
    ASSERT_EQ(ref[o].shape(), got[o].shape());
    const auto r = ref[o].to_float(), g = got[o].to_float();
    float scale = 1e-6f;
    for (float v : r) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < r.size(); ++i) ASSERT_NEAR(g[i], r[i], 1e-4f * scale) << "output " << o << " [" << i << "]";
  }
}

void import_and_simplify(const std::filesystem::path& path, std::size_t* batchnorms_before = nullptr,
                         Graph* simplified = nullptr, std::vector<Shape> input_shapes = {}) {
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing";
  ImportOptions options;
  options.batch_size = 1;
  options.input_shapes = std::move(input_shapes);
  Graph g = import_onnx(path, options);  // throws on any unsupported op
  const Graph imported = g;
  EXPECT_GT(g.op_count(), 0u);
  EXPECT_FALSE(g.inputs().empty());
  EXPECT_FALSE(g.outputs().empty());
  if (batchnorms_before) *batchnorms_before = count_type(g, "BatchNormalization");
  const std::size_t before = g.op_count();
  simplify(g);
  EXPECT_GT(g.op_count(), 0u);
  EXPECT_LE(g.op_count(), before);
  EXPECT_EQ(count_type(g, "Identity"), 0u);
  for (const Op* op : g.ops()) EXPECT_NE(op->type, "Constant");
  expect_same_function(imported, g);
  if (simplified) *simplified = std::move(g);
}

TEST(OnnxRealModels, FashionCnn) { import_and_simplify(kSource / "examples/fashion_mnist/models/fashion_cnn.onnx"); }

TEST(OnnxRealModels, FashionMobileNetV2FoldsEveryBatchNorm) {
  std::size_t bns = 0;
  Graph g;
  import_and_simplify(kSource / "examples/fashion_mnist/models/fashion_mobilenetv2.onnx", &bns, &g);
  if (IsSkipped()) return;
  // torch's exporter may already fold BN in eval mode; whatever remains must be folded here.
  RecordProperty("batchnorms_before_simplify", static_cast<int>(bns));
  EXPECT_EQ(count_type(g, "BatchNormalization"), 0u);
}

TEST(OnnxRealModels, PpocrClsOpset9) {
  // Dynamic H and W: the parity fixture's calibration size.
  import_and_simplify(kParity / "ppocr_cls/cls_fixed.onnx", nullptr, nullptr, {{1, 3, 48, 192}});
}

TEST(OnnxRealModels, Tiny) { import_and_simplify(kParity / "tiny/tiny.onnx"); }

}  // namespace
}  // namespace qtune
