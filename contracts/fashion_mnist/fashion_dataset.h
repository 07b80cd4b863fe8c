#pragma once
// The Fashion-MNIST splits as the example models were trained on them, and the exact
// preprocessing of examples/fashion_mnist/train.py.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "qtune/tensor.h"

namespace qtune::fashion_mnist {

inline constexpr std::int64_t kImageSide = 28;
inline constexpr std::int64_t kNumClasses = 10;
// Training-set pixel statistics of pixel/255 (train.py FMNIST_MEAN / FMNIST_STD).
inline constexpr float kMean = 0.2860f;
inline constexpr float kStd = 0.3530f;
// Debian package dataset-fashion-mnist installs the idx .gz files here.
inline constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kDataDirEnv = "FASHION_MNIST_DIR";

struct FashionSplit {
  std::string name;                   // "train" or "t10k"
  std::int64_t count = 0;             // images held
  std::vector<std::uint8_t> pixels;   // count * 28 * 28 raw pixels
  std::vector<std::uint8_t> labels;   // count class ids 0..9
};

// $FASHION_MNIST_DIR, else the Debian package's folder.
std::filesystem::path data_directory();

// Reads the first min(limit, size) images and labels of `split` ("train" or "t10k") from
// `dir`; checks image size 28x28, equal image/label counts and labels < 10.
FashionSplit load_split(const std::filesystem::path& dir, const std::string& split, std::int64_t limit = -1);

// Images [begin, end) of `split` as float32 [end-begin, 1, 28+2*pad, 28+2*pad]:
// x = (pixel/255 - kMean) / kStd, the raw image zero-padded by `pad` black pixels on
// every side first (so the pad value is the normalised black, not 0.0).
Tensor preprocess(const FashionSplit& split, std::int64_t begin, std::int64_t end, std::int64_t pad);

}  // namespace qtune::fashion_mnist
