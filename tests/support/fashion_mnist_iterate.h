#pragma once
// One `qtune iterate` (run_iteration) on the MobileNetV2-style Fashion-MNIST example
// contract, for the pass and analyser tests that run a real iteration. Those tests skip
// when the dataset is missing (fashion_data_present) or the contract was not built.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "artifacts/atomic_file.h"
#include "run/iteration.h"

namespace qtune::test {

inline const std::filesystem::path kMobileNetV2Contract =
    std::filesystem::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_mobilenetv2.so";

// The Fashion-MNIST test images where the example contracts read them (FASHION_MNIST_DIR or
// Debian's /usr/share/datasets/fashion-mnist).
inline bool fashion_data_present() {
  const char* env = std::getenv("FASHION_MNIST_DIR");
  const std::filesystem::path dir = env && *env ? std::filesystem::path(env) : "/usr/share/datasets/fashion-mnist";
  return std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz") ||
         std::filesystem::exists(dir / "t10k-images-idx3-ubyte");
}

// Runs one iteration of the MobileNetV2 contract in a fresh temp folder named after `name`:
// with `setting_json` written as its setting.json (none: --baseline), `target` overriding the
// contract's target when given. Artifacts are in result.output_dir (…/<name>_<pid>/iter_1).
inline IterationResult iterate_mobilenetv2(const std::string& name, const std::optional<std::string>& setting_json,
                                           const std::optional<std::string>& target = std::nullopt,
                                           bool analyse = true) {
  const std::filesystem::path root =
      std::filesystem::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  IterationRequest request;
  request.contract = kMobileNetV2Contract;
  if (setting_json) {
    write_file_atomic(root / "setting.json", *setting_json);
    request.setting = root / "setting.json";
  }
  request.output_dir = root / "iter_1";
  request.echo = false;
  request.analyse = analyse;
  request.target = target;
  return run_iteration(request);
}

}  // namespace qtune::test
