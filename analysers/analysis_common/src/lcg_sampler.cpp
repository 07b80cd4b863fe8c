#include "qtune_analysis/lcg_sampler.h"

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune::analysis {

std::vector<std::int64_t> lcg_indices(std::size_t count, std::int64_t n, std::uint64_t seed) {
  if (n <= 0) throw Error("lcg_indices: cannot sample from an empty tensor");
  std::vector<std::int64_t> out(count);
  const auto un = static_cast<std::uint64_t>(n);
  for (std::size_t k = 0; k < count; ++k) {
    out[k] = static_cast<std::int64_t>(seed % un);
    seed = (0x343FDull * seed + 0x269EC3ull) & 0xFFFFFFFFull;
  }
  return out;
}

std::vector<float> tensor_random_fetch(const Tensor& t, std::size_t count, std::uint64_t seed) {
  const float* data = t.data<float>();
  std::vector<float> out(count);
  const auto idx = lcg_indices(count, t.numel(), seed);
  for (std::size_t k = 0; k < count; ++k) out[k] = data[idx[k]];
  return out;
}

std::vector<float> batch_random_fetch(const Tensor& t, std::size_t count, std::uint64_t seed) {
  if (t.rank() < 2) throw Error(fmt::format("batch_random_fetch: tensor of rank {} has no sample dimension", t.rank()));
  const std::int64_t rows = t.dim(0);
  const std::int64_t per = rows ? t.numel() / rows : 0;
  const auto idx = lcg_indices(count, per, seed);
  const float* data = t.data<float>();
  std::vector<float> out(static_cast<std::size_t>(rows) * count);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < count; ++k) out[static_cast<std::size_t>(r) * count + k] = data[r * per + idx[k]];
  return out;
}

}  // namespace qtune::analysis
