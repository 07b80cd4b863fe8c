#pragma once
// Where the host and CLI tests find the test plugins, test contracts and the tiny model.
#include <filesystem>
#include <string>

namespace qtune::test {

inline std::filesystem::path plugin_case_dir(const std::string& name) {
  return std::filesystem::path(QTUNE_TEST_PLUGIN_DIR) / name;
}
inline std::filesystem::path test_contract(const std::string& name) {
  return std::filesystem::path(QTUNE_TEST_PLUGIN_DIR) / "contracts" / ("libtc_" + name + ".so");
}
// The same path the test contracts' QUANT_CONFIG names (tests/plugins/CMakeLists.txt).
inline const std::filesystem::path kTinyModel = std::filesystem::path(QTUNE_SOURCE_DIR) / "tests/fixtures/models/tiny.onnx";

}  // namespace qtune::test
