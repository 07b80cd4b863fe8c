#pragma once
// The Fashion-MNIST CNN contract the end-to-end iterate/run tests drive; whether its dataset
// is installed (the tests skip without it) comes from support/fashion_mnist_iterate.h.
#include <filesystem>

#include "support/fashion_mnist_iterate.h"

namespace qtune::test {

inline const std::filesystem::path kCnnContract =
    std::filesystem::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_cnn.so";

}  // namespace qtune::test
