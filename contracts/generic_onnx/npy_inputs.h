#pragma once
// Model inputs stored as .npy files, one per graph input, samples along dim 0.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "qtune/batch.h"
#include "qtune/tensor.h"

namespace qtune::generic_onnx {

// Reads `files` (float32, one per graph input) and checks each against `shapes` (dim 0,
// the batch, is free: rank and the other dims must match) and that all hold the same
// number of samples. `shapes` may be empty (nothing to check against). Errors name the
// config file, the key and the .npy file.
std::vector<Tensor> load_inputs(const std::vector<std::filesystem::path>& files, const std::vector<Shape>& shapes,
                                const std::filesystem::path& config_file, const std::string& key);

// Rows [begin, end) of a tensor along dim 0 (a copy).
Tensor slice_rows(const Tensor& tensor, std::int64_t begin, std::int64_t end);

// Samples [begin, end) of every input, cut into batches of `batch_size` (the last one
// may be shorter).
std::vector<Batch> make_batches(const std::vector<Tensor>& inputs, std::int64_t begin, std::int64_t end,
                                std::int64_t batch_size);

}  // namespace qtune::generic_onnx
