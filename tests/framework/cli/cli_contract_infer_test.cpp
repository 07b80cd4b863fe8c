// qtune check-contract and qtune infer on the tiny model.
#include <unistd.h>

#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"
#include "framework/host/test_paths.h"
#include "qtune/npy.h"

namespace qtune {
namespace {

using test::quoted;
using test::run_qtune;

class CliTiny : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(test::kTinyModel)) GTEST_SKIP() << "tiny model not found: " << test::kTinyModel;
  }
};

TEST_F(CliTiny, CheckContractGood) {
  const auto r = run_qtune("check-contract --contract " + quoted(test::test_contract("good").string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("loaded contract 'tiny_good'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"batch_size\": 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first batch: [4, 1, 16, 16] float32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outputs output [4, 10]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top1 = 1   (primary)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("contract OK"), std::string::npos) << r.out;
}

TEST_F(CliTiny, CheckContractFailuresAndExitCodes) {
  auto r = run_qtune("check-contract --contract " + quoted(test::test_contract("nan_metric").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("note: no evaluate_fast()"), std::string::npos) << r.out;  // steps before it ran
  EXPECT_EQ(r.err, "qtune check-contract: contract 'nan_metric': evaluate() returned NaN for metric 'top1'\n");

  r = run_qtune("check-contract --contract " + quoted(test::test_contract("wrong_type").string()));
  EXPECT_EQ(r.exit_code, 2);  // a bad QUANT_CONFIG is bad input
  EXPECT_NE(r.err.find("key 'batch_size'"), std::string::npos) << r.err;
}

TEST_F(CliTiny, InferWritesEachOutput) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("qtune_cli_infer_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Tensor input(Shape{2, 1, 16, 16});
  for (std::int64_t i = 0; i < input.numel(); ++i) input.data<float>()[i] = static_cast<float>(i % 7) - 3.0f;
  write_npy(dir / "x.npy", input);

  // Batch 2 where the model says 1: the .npy shape wins.
  const auto r = run_qtune("infer --model " + quoted(test::kTinyModel.string()) + " --input input=" +
                           quoted((dir / "x.npy").string()) + " --output-dir " + quoted((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto file = dir / "out" / "output.npy";
  ASSERT_TRUE(std::filesystem::exists(file)) << r.out;
  EXPECT_EQ(read_npy(file).shape(), (Shape{2, 10}));
  EXPECT_NE(r.out.find("output  [2, 10]  " + file.string()), std::string::npos) << r.out;

  const auto bad = run_qtune("infer --model " + quoted(test::kTinyModel.string()) + " --input wrong=" +
                             quoted((dir / "x.npy").string()) + " --output-dir " + quoted((dir / "out").string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("has no input 'wrong'; its inputs: input"), std::string::npos) << bad.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qtune
