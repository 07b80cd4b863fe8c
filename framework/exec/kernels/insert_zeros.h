#pragma once
// InsertZeros (esp-ppq / ESP-DL; the first half of its ConvTranspose decomposition):
// X [N, C, L1, ...] -> Y [N, C, L1', ...] with Li' = Li + (si − 1)(Li − 1) + output_padding_i,
// Y[n, c, i1·s1, ...] = X[n, c, i1, ...] and zeros everywhere else (between the input
// elements and in the trailing output_padding). Attributes `stride` and `output_padding`
// (ints, one per spatial dim, or one value for all; output_padding defaults to 0), as
// esp-ppq writes them and ESP-DL's InsertZeros module reads them.
#include <cstdint>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

struct InsertZerosGeometry {
  std::vector<std::int64_t> stride, output_padding;  // one per spatial dim
};

// The op's stride/output_padding over `spatial` dims; an error naming the op when they are
// missing, of another length, or out of range (stride >= 1, output_padding >= 0).
InsertZerosGeometry insert_zeros_geometry(const Op& op, std::size_t spatial);

inline std::int64_t insert_zeros_length(std::int64_t in, std::int64_t stride, std::int64_t output_padding) {
  return in + (stride - 1) * (in - 1) + output_padding;
}

}  // namespace qtune
