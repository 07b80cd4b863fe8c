#include "fashion_dataset.h"

#include <cstdlib>

#include <fmt/format.h>

#include "idx_reader.h"
#include "qtune/error.h"

namespace qtune::fashion_mnist {

namespace {

// Same float32 operations, in the same order, as train.py's numpy preprocessing.
float normalise(std::uint8_t pixel) { return (static_cast<float>(pixel) / 255.0f - kMean) / kStd; }

}  // namespace

std::filesystem::path data_directory() {
  const char* env = std::getenv(kDataDirEnv);
  return (env && *env) ? std::filesystem::path(env) : std::filesystem::path(kDefaultDataDir);
}

FashionSplit load_split(const std::filesystem::path& dir, const std::string& split, std::int64_t limit) {
  const auto images_path = dir / (split + "-images-idx3-ubyte.gz");
  const auto labels_path = dir / (split + "-labels-idx1-ubyte.gz");
  IdxImages images = read_idx_images(images_path, limit);
  IdxLabels labels = read_idx_labels(labels_path, limit);
  if (images.rows != kImageSide || images.cols != kImageSide)
    throw InputError(fmt::format("{}: images are {}x{}, expected {}x{} (Fashion-MNIST)", images_path.string(),
                                 images.rows, images.cols, kImageSide, kImageSide));
  if (images.file_count != labels.file_count)
    throw InputError(fmt::format("{} holds {} images but {} holds {} labels", images_path.string(),
                                 images.file_count, labels_path.string(), labels.file_count));
  for (std::size_t i = 0; i < labels.values.size(); ++i)
    if (labels.values[i] >= kNumClasses)
      throw InputError(fmt::format("{}: label {} of entry {} is not a class id 0..{}", labels_path.string(),
                                   labels.values[i], i, kNumClasses - 1));
  return FashionSplit{split, images.count, std::move(images.pixels), std::move(labels.values)};
}

Tensor preprocess(const FashionSplit& split, std::int64_t begin, std::int64_t end, std::int64_t pad) {
  if (begin < 0 || end > split.count || begin > end)
    throw Error(fmt::format("Fashion-MNIST {}: image range [{}, {}) outside the {} loaded images", split.name,
                            begin, end, split.count));
  const std::int64_t side = kImageSide + 2 * pad;
  Tensor out(Shape{end - begin, 1, side, side});
  float* dst = out.data<float>();
  const float background = normalise(0);
  for (std::int64_t n = begin; n < end; ++n) {
    const std::uint8_t* src = split.pixels.data() + n * kImageSide * kImageSide;
    for (std::int64_t y = 0; y < side; ++y)
      for (std::int64_t x = 0; x < side; ++x) {
        const std::int64_t sy = y - pad, sx = x - pad;
        const bool inside = sy >= 0 && sy < kImageSide && sx >= 0 && sx < kImageSide;
        *dst++ = inside ? normalise(src[sy * kImageSide + sx]) : background;
      }
  }
  return out;
}

}  // namespace qtune::fashion_mnist
