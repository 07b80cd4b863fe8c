#include "npy_inputs.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/npy.h"

namespace qtune::generic_onnx {

std::vector<Tensor> load_inputs(const std::vector<std::filesystem::path>& files, const std::vector<Shape>& shapes,
                                const std::filesystem::path& config_file, const std::string& key) {
  if (!shapes.empty() && shapes.size() != files.size())
    throw InputError(fmt::format("{}: \"{}\" lists {} file(s) but the model has {} input(s)", config_file.string(), key,
                                 files.size(), shapes.size()));
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& file = files[i];
    Tensor t = read_npy(file);
    const auto where = fmt::format("{}: \"{}\" file {}", config_file.string(), key, file.string());
    if (t.dtype() != DType::Float32)
      throw InputError(fmt::format("{} is {}, expected float32", where, dtype_name(t.dtype())));
    if (t.rank() == 0 || t.dim(0) == 0)
      throw InputError(fmt::format("{} has shape {}, expected [N, ...] with N >= 1 samples", where, shape_str(t.shape())));
    if (!shapes.empty()) {
      const Shape& want = shapes[i];
      const bool same = t.rank() == want.size() && std::equal(want.begin() + 1, want.end(), t.shape().begin() + 1);
      if (!same) {
        std::string expected = "[N";
        for (std::size_t d = 1; d < want.size(); ++d) expected += fmt::format(", {}", want[d]);
        throw InputError(fmt::format("{} has shape {}, expected {}: input {} of QUANT_CONFIG input_shape is {}", where,
                                     shape_str(t.shape()), expected + "]", i, shape_str(want)));
      }
    }
    if (!inputs.empty() && t.dim(0) != inputs.front().dim(0))
      throw InputError(fmt::format("{} holds {} samples but {} holds {}; every input needs the same count", where,
                                   t.dim(0), files.front().string(), inputs.front().dim(0)));
    inputs.push_back(std::move(t));
  }
  return inputs;
}

Tensor slice_rows(const Tensor& tensor, std::int64_t begin, std::int64_t end) {
  Shape shape = tensor.shape();
  shape[0] = end - begin;
  Tensor out = Tensor::uninitialized(tensor.dtype(), shape);
  const std::size_t row_bytes = tensor.byte_size() / static_cast<std::size_t>(tensor.dim(0));
  std::memcpy(out.raw(), tensor.raw() + static_cast<std::size_t>(begin) * row_bytes, out.byte_size());
  return out;
}

std::vector<Batch> make_batches(const std::vector<Tensor>& inputs, std::int64_t begin, std::int64_t end,
                                std::int64_t batch_size) {
  std::vector<Batch> batches;
  for (std::int64_t b = begin; b < end; b += batch_size) {
    Batch batch;
    for (const Tensor& input : inputs) batch.push_back(slice_rows(input, b, std::min(b + batch_size, end)));
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace qtune::generic_onnx
