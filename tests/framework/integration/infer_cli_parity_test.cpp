// `qtune infer` end to end (import, simplify, run, .npy out) against ONNX Runtime's outputs
// for every reference model (fixtures and tolerance: ort_fixtures.h).
#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"
#include "framework/integration/ort_fixtures.h"
#include "qtune/npy.h"

namespace qtune {
namespace {

using namespace qtune::test;

std::string output_file_name(std::string name) {
  for (char& c : name)
    if (c == '/' || c == ':') c = '_';
  return name + ".npy";
}

class InferCliParity : public ::testing::TestWithParam<std::string> {};

TEST_P(InferCliParity, WritesOnnxRuntimeOutputs) {
  const fs::path dir = fixture_dir(GetParam());
  const rapidjson::Document c = read_case(dir);
  const fs::path model = resolve_model(c["model"].GetString());
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: run scripts/fetch_models.sh";

  const fs::path out_dir = fs::path(::testing::TempDir()) / ("qtune_infer_" + GetParam());
  fs::remove_all(out_dir);
  std::string args = "infer --model " + quoted(model.string()) + " --output-dir " + quoted(out_dir.string());
  for (const auto& in : c["inputs"].GetObject())
    args += " --input " + quoted(std::string(in.name.GetString()) + "=" + (dir / in.value["file"].GetString()).string());
  const CliResult r = run_qtune(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  for (const auto& out : c["outputs"].GetObject()) {
    const fs::path written = out_dir / output_file_name(out.name.GetString());
    ASSERT_TRUE(fs::exists(written)) << written << "\n" << r.out;
    expect_close(read_npy(written), read_npy(dir / out.value["file"].GetString()), GetParam() + " via qtune infer");
  }
  fs::remove_all(out_dir);
}

INSTANTIATE_TEST_SUITE_P(Models, InferCliParity, ::testing::ValuesIn(kOrtCases));

}  // namespace
}  // namespace qtune
