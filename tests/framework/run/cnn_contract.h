#pragma once
// The Fashion-MNIST CNN contract the end-to-end iterate/run tests drive, and whether its
// dataset is installed (the tests skip without it).
#include <cstdlib>
#include <filesystem>

namespace qtune::test {

inline const std::filesystem::path kCnnContract =
    std::filesystem::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_cnn.so";

inline bool fashion_data_present() {
  const char* env = std::getenv("FASHION_MNIST_DIR");
  const std::filesystem::path dir = env && *env ? std::filesystem::path(env) : "/usr/share/datasets/fashion-mnist";
  return std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz") ||
         std::filesystem::exists(dir / "t10k-images-idx3-ubyte");
}

}  // namespace qtune::test
