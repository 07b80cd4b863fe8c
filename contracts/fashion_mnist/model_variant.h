#pragma once
// Which example model this build of the contract serves. CMake builds the same sources
// twice, defining FASHION_MNIST_VARIANT_CNN or FASHION_MNIST_VARIANT_MOBILENETV2, so a
// user points --contract at one library and needs no config file.
#include <cstdint>

namespace qtune::fashion_mnist {

struct ModelVariant {
  const char* model_file;   // the .onnx copied next to the library
  const char* model_name;
  std::int64_t pad;         // black pixels added on every side of the 28x28 image
  double target_top1;       // QUANT_CONFIG target_metric
};

// Targets: the float top-1 of examples/fashion_mnist/models/float_accuracy.json (seeded
// training: cnn 89.64, mobilenetv2 89.21) minus 0.5 points, a typical int8 budget.

#if defined(FASHION_MNIST_VARIANT_CNN)
#define FASHION_MNIST_CONTRACT_NAME "fashion_mnist_cnn"
inline constexpr ModelVariant kVariant{"fashion_cnn.onnx", "fashion_cnn", 0, 89.1};
#elif defined(FASHION_MNIST_VARIANT_MOBILENETV2)
#define FASHION_MNIST_CONTRACT_NAME "fashion_mnist_mobilenetv2"
inline constexpr ModelVariant kVariant{"fashion_mobilenetv2.onnx", "fashion_mobilenetv2", 2, 88.7};
#else
#error "define FASHION_MNIST_VARIANT_CNN or FASHION_MNIST_VARIANT_MOBILENETV2"
#endif

}  // namespace qtune::fashion_mnist
