#pragma once
// .npy (NumPy format v1/v2, little-endian, C order) reader and writer.
// Reads float32/float64/int8/int16/int32/int64/uint8/bool; errors name the file.
#include <filesystem>

#include "qtune/tensor.h"

namespace qtune {

Tensor read_npy(const std::filesystem::path& path);
// Writes format v1.0; atomic (temp file + rename).
void write_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace qtune
