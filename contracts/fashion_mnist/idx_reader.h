#pragma once
// Reader of the gzip'd IDX files Fashion-MNIST ships in (big-endian header, then raw
// uint8 data): magic 2051 + count, rows, cols for images; 2049 + count for labels.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace qtune::fashion_mnist {

struct IdxImages {
  std::int64_t file_count = 0;  // images the file holds
  std::int64_t count = 0;       // images read (at most the requested limit)
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};

// Reads the first min(limit, file count) entries; the header and every byte read are
// validated, errors (qtune::InputError) name the file. limit < 0 reads the whole file.
IdxImages read_idx_images(const std::filesystem::path& path, std::int64_t limit = -1);
struct IdxLabels {
  std::int64_t file_count = 0;       // labels the file holds
  std::vector<std::uint8_t> values;  // the labels read
};

IdxLabels read_idx_labels(const std::filesystem::path& path, std::int64_t limit = -1);

}  // namespace qtune::fashion_mnist
