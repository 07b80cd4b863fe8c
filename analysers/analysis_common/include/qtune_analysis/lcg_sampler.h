#pragma once
// esp-ppq's deterministic sampler (esp_ppq/utils/fetch.py, generate_indexer): index k is
// seed_k mod n, seed_{k+1} = (0x343FD * seed_k + 0x269EC3) mod 2^32, with replacement.
// Every analyser uses seed 10086, so the float and the quantized run read the same positions.
#include <cstdint>
#include <vector>

#include "qtune/tensor.h"

namespace qtune::analysis {

inline constexpr std::uint64_t kFetchSeed = 10086;   // graphwise.py / statistical_analyse

// `count` indices into [0, n); n must be > 0.
std::vector<std::int64_t> lcg_indices(std::size_t count, std::int64_t n, std::uint64_t seed = kFetchSeed);

// tensor_random_fetch: `count` elements of the whole flattened float tensor.
std::vector<float> tensor_random_fetch(const Tensor& t, std::size_t count, std::uint64_t seed = kFetchSeed);

// batch_random_fetch: `count` elements of every sample (dim 0), at the same positions in
// each; rows of the result are samples (row-major [dim0, count]).
std::vector<float> batch_random_fetch(const Tensor& t, std::size_t count, std::uint64_t seed = kFetchSeed);

}  // namespace qtune::analysis
