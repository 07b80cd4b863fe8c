// Whole-model float outputs of the executor against ONNX Runtime's (see ort_fixtures.h).
#include <gtest/gtest.h>


#include "exec/graph_executor.h"
#include "framework/integration/ort_fixtures.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/npy.h"

namespace qtune {
namespace {

using namespace qtune::test;

class OrtParity : public ::testing::TestWithParam<std::string> {};

TEST_P(OrtParity, FloatOutputsMatchOnnxRuntime) {
  const fs::path dir = fixture_dir(GetParam());
  ASSERT_TRUE(fs::exists(dir / "case.json")) << dir;
  const rapidjson::Document c = read_case(dir);
  const fs::path model = resolve_model(c["model"].GetString());
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: run scripts/fetch_models.sh";

  TensorMap feeds;
  ImportOptions options;
  for (const auto& in : c["inputs"].GetObject()) {
    Tensor t = read_npy(dir / in.value["file"].GetString());
    options.input_shapes.push_back(t.shape());
    feeds.emplace(in.name.GetString(), std::move(t));
  }
  Graph graph = import_onnx(model, options);
  simplify(graph);
  auto executor = make_executor(graph);

  RunRequest request;
  std::vector<std::pair<std::string, std::string>> expected;  // variable, file
  for (const char* group : {"outputs", "intermediates"})
    for (const auto& out : c[group].GetObject()) {
      request.fetch.push_back(out.name.GetString());
      expected.emplace_back(out.name.GetString(), out.value["file"].GetString());
    }
  const TensorMap got = executor->run(feeds, request);
  for (const auto& [var, file] : expected) {
    ASSERT_TRUE(got.count(var)) << var;
    expect_close(got.at(var), read_npy(dir / file), GetParam() + "/" + var);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, OrtParity,
                         ::testing::ValuesIn(kOrtCases));

}  // namespace
}  // namespace qtune

namespace qtune {
namespace {

using namespace qtune::test;

// PP-OCR cls computes its final Reshape's shape from Shape(x) at run time. With the batch
// dim left dynamic at import, simplification must not pin a batch size: the same graph
// runs batch 1 and batch 3, and each sample's output is the same in both.
TEST(DynamicBatch, ShapeChainStaysBatchAgnostic) {
  const fs::path model = model_cache() / "ppocr/cls.onnx";
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: run scripts/fetch_models.sh";
  const Tensor one = read_npy(fixture_dir("ppocr_cls") / "input.npy");  // [1,3,48,192]
  Graph graph = import_onnx(model, ImportOptions{{{-1, 3, 48, 192}}, 0});
  simplify(graph);
  auto executor = make_executor(graph);

  Tensor three(DType::Float32, {3, 3, 48, 192});
  const auto n = one.numel();
  for (int b = 0; b < 3; ++b)
    for (std::int64_t i = 0; i < n; ++i) three.data<float>()[b * n + i] = one.data<float>()[i] * (1.0f - 0.3f * b);
  const Tensor out1 = executor->run(std::vector<Tensor>{one}).at(0);
  const Tensor out3 = executor->run(std::vector<Tensor>{three}).at(0);
  ASSERT_EQ(out3.shape(), (Shape{3, 2}));
  EXPECT_NEAR(out3.data<float>()[0], out1.data<float>()[0], 1e-5);
  EXPECT_NEAR(out3.data<float>()[1], out1.data<float>()[1], 1e-5);
  // The reference softmax output for sample 0 (ONNX Runtime fixture).
  expect_close(out1, read_npy(fixture_dir("ppocr_cls") / "softmax_0.tmp_0.npy"), "cls batch 1");
}

}  // namespace
}  // namespace qtune
