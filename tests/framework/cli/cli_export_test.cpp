// qtune inspect on esp-ppq's files (its model.info text, byte for byte), on corrupt
// files, and qtune export re-running an iteration of the Fashion-MNIST CNN contract.
#include <filesystem>

#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "framework/cli/run_qtune.h"

namespace qtune {
namespace {

using test::quoted;
using test::run_qtune;
namespace fs = std::filesystem;

const fs::path kParity = fs::path(QTUNE_SOURCE_DIR) / "tests/fixtures/parity";
const fs::path kCnnContract = fs::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_cnn.so";

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(CliInspect, PrintsEspPpqsModelInfoForEspPpqsFile) {
  for (const char* c : {"tiny/esp32p4", "tiny_pc/esp32p4", "tiny/esp32s3", "tiny_pc/esp32s3"}) {
    const auto r = run_qtune("inspect " + quoted((kParity / c / "model.espdl").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, read_file(kParity / c / "model.info")) << c;
  }
}

TEST(CliInspect, CheckRunsTheLoaderChecklist) {
  const auto r = run_qtune("inspect --check " + quoted((kParity / "tiny/esp32p4/model.espdl").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("loader checklist passed"), std::string::npos) << r.err;
}

TEST(CliInspect, RejectsTruncatedAndForeignFiles) {
  const fs::path dir = fresh_dir("qtune_cli_inspect");
  const std::string good = read_file(kParity / "tiny/esp32p4/model.espdl");
  write_file_atomic(dir / "cut.espdl", good.substr(0, good.size() / 2));
  auto r = run_qtune("inspect " + quoted((dir / "cut.espdl").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cut.espdl: truncated: the header announces a 6496-byte payload, the file holds 3240"),
            std::string::npos) << r.err;
  write_file_atomic(dir / "model.onnx", read_file(kParity / "tiny/tiny.onnx"));
  r = run_qtune("inspect " + quoted((dir / "model.onnx").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("model.onnx: not an .espdl file"), std::string::npos) << r.err;
  r = run_qtune("inspect " + quoted((dir / "missing.espdl").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST(CliExport, ReRunsAnIterationAndWritesItsModel) {
  if (!fs::exists(kCnnContract)) GTEST_SKIP() << "contract not built: " << kCnnContract;
  if (!fs::exists("/usr/share/datasets/fashion-mnist") && !std::getenv("FASHION_MNIST_DIR"))
    GTEST_SKIP() << "Fashion-MNIST dataset not installed";
  const fs::path iter = fresh_dir("qtune_cli_export") / "iter_0";
  auto r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --output-dir " + quoted(iter.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (!fs::exists(iter / "model.espdl"))
    GTEST_SKIP() << "run_iteration does not call export_iteration_model yet (framework/export/iteration_export.h)";
  const fs::path out = iter.parent_path() / "deploy" / "cnn.espdl";
  r = run_qtune("export --iteration " + quoted(iter.string()) + " --contract " + quoted(kCnnContract.string()) + " --out " +
                quoted(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;  // same metric, same bytes, checklist clean
  ASSERT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(out.parent_path() / "cnn.info"));
  EXPECT_TRUE(fs::exists(out.parent_path() / "cnn.json"));
  EXPECT_EQ(read_file(out), read_file(iter / "model.espdl"));
  // No scratch folder is left behind.
  for (const auto& e : fs::directory_iterator(out.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".qtune-export"), std::string::npos) << e.path();
  // Without a contract (iteration_index.json may not record one) the command says what to give.
  r = run_qtune("export --iteration " + quoted(iter.string()) + " --out " + quoted(out.string()));
  if (r.exit_code != 0) {
    EXPECT_NE(r.err.find("--contract"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace qtune
