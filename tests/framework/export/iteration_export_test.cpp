// export_iteration_model: what run_iteration calls to put model.espdl, model.info and
// model.json into every iteration folder.
#include "export/iteration_export.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "artifacts/atomic_file.h"
#include "export/espdl_checklist.h"
#include "export/espdl_file.h"
#include "framework/export/export_test_support.h"

namespace qtune {
namespace {

class RecordingLog final : public Log {
 public:
  void info(std::string_view m) override { infos.emplace_back(m); }
  void warn(std::string_view m) override { warnings.emplace_back(m); }
  void progress(std::string_view, long, long) override {}
  std::vector<std::string> infos, warnings;
};

TEST(IterationExport, WritesTheThreeFilesAndForwardsWarnings) {
  Graph g;
  g.add_variable("x", {-1, 2, 4, 4});  // dynamic batch, as contracts' models often are
  g.add_parameter("w", Tensor::from<float>({2, 2, 1, 1}, {0.5f, 0.25f, -0.5f, 1.0f}));
  g.add_op("conv", "Conv", {"x", "w"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const auto policy = TargetPolicy::from_target("esp32p4");
  quantize_graph(g, policy);
  test::set_exponents(g, {{"x", -4}, {"w", -7}, {"y", -13}});  // -13 < -4 - 7: needs a left shift
  ContractConfig config;
  config.model = std::filesystem::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity/tiny/tiny.onnx";  // ir_version 7
  config.input_shapes = {{32, 2, 4, 4}};
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("qtune_iter_export_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  RecordingLog log;
  Tensor sample({3, 2, 4, 4});
  const auto paths = export_iteration_model(g, policy, config, dir, log, {sample});
  EXPECT_EQ(paths, (std::map<std::string, std::string>{
                       {"model_espdl", "model.espdl"}, {"model_info", "model.info"}, {"model_json", "model.json"}}));
  for (const auto& [key, file] : paths) EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  const EspdlModel m = read_espdl_file(dir / "model.espdl");
  EXPECT_EQ(m.ir_version, 7);
  EXPECT_EQ(m.graph.inputs[0].shape, (std::vector<std::int64_t>{1, 4, 4, 2}));
  EXPECT_EQ(m.graph.test_inputs.size(), 1u);
  EXPECT_TRUE(espdl_loader_problems(read_file(dir / "model.espdl"), "model.espdl").empty());
  ASSERT_EQ(log.warnings.size(), 1u);
  EXPECT_NE(log.warnings[0].find("Conv 'conv' is not deployable"), std::string::npos) << log.warnings[0];
  ASSERT_EQ(log.infos.size(), 1u);
  EXPECT_NE(log.infos[0].find("model.espdl (nodes: 1, initializers: 1, with test values)"), std::string::npos) << log.infos[0];
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qtune
