#include "idx_reader.h"

#include <algorithm>
#include <array>
#include <memory>

#include <fmt/format.h>
#include <zlib.h>

#include "qtune/error.h"

namespace qtune::fashion_mnist {

namespace {

constexpr std::uint32_t kImagesMagic = 2051;  // idx3: unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 2049;  // idx1: unsigned byte, 1 dimension

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_gz(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path))
    throw InputError(fmt::format("{}: file not found (Fashion-MNIST; install it with "
                                 "`apt-get install dataset-fashion-mnist` or set FASHION_MNIST_DIR)",
                                 path.string()));
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) throw InputError(fmt::format("{}: cannot open", path.string()));
  return f;
}

void read_exact(gzFile_s* f, const std::filesystem::path& path, void* out, std::size_t size, const char* what) {
  // gzread takes an unsigned int length: read in chunks so any size works.
  auto* dst = static_cast<unsigned char*>(out);
  constexpr std::size_t kChunk = 1u << 30;
  while (size > 0) {
    const auto want = static_cast<unsigned>(std::min(size, kChunk));
    const int got = gzread(f, dst, want);
    if (got < 0) {
      int code = 0;
      throw InputError(fmt::format("{}: corrupt gzip data while reading {} ({})", path.string(), what,
                                   gzerror(f, &code)));
    }
    if (static_cast<unsigned>(got) != want)
      throw InputError(fmt::format("{}: file ends early while reading {}", path.string(), what));
    dst += got;
    size -= want;
  }
}

// The header is a sequence of big-endian uint32 words.
template <std::size_t N>
std::array<std::uint32_t, N> read_header(gzFile_s* f, const std::filesystem::path& path) {
  std::array<unsigned char, 4 * N> raw{};
  read_exact(f, path, raw.data(), raw.size(), "the IDX header");
  std::array<std::uint32_t, N> words{};
  for (std::size_t i = 0; i < N; ++i)
    words[i] = (std::uint32_t{raw[4 * i]} << 24) | (std::uint32_t{raw[4 * i + 1]} << 16) |
               (std::uint32_t{raw[4 * i + 2]} << 8) | std::uint32_t{raw[4 * i + 3]};
  return words;
}

void check_magic(const std::filesystem::path& path, std::uint32_t magic, std::uint32_t expected, const char* kind) {
  if (magic != expected)
    throw InputError(fmt::format("{}: bad IDX magic {}, expected {} ({} file)", path.string(), magic, expected, kind));
}

std::int64_t clamp_count(std::int64_t count, std::int64_t limit) { return limit < 0 ? count : std::min(count, limit); }

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& path, std::int64_t limit) {
  GzFile f = open_gz(path);
  const auto header = read_header<4>(f.get(), path);
  check_magic(path, header[0], kImagesMagic, "images");
  IdxImages images;
  images.rows = header[2];
  images.cols = header[3];
  if (header[1] == 0 || images.rows == 0 || images.cols == 0)
    throw InputError(fmt::format("{}: IDX header has an empty dimension ({} images of {}x{})", path.string(),
                                 header[1], images.rows, images.cols));
  images.file_count = header[1];
  images.count = clamp_count(header[1], limit);
  images.pixels.resize(static_cast<std::size_t>(images.count * images.rows * images.cols));
  read_exact(f.get(), path, images.pixels.data(), images.pixels.size(),
             fmt::format("{} images of {}x{}", images.count, images.rows, images.cols).c_str());
  return images;
}

IdxLabels read_idx_labels(const std::filesystem::path& path, std::int64_t limit) {
  GzFile f = open_gz(path);
  const auto header = read_header<2>(f.get(), path);
  check_magic(path, header[0], kLabelsMagic, "labels");
  IdxLabels labels;
  labels.file_count = header[1];
  labels.values.resize(static_cast<std::size_t>(clamp_count(header[1], limit)));
  read_exact(f.get(), path, labels.values.data(), labels.values.size(),
             fmt::format("{} labels", labels.values.size()).c_str());
  return labels;
}

}  // namespace qtune::fashion_mnist
