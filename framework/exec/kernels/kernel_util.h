#pragma once
// Helpers shared by the kernel families: error messages naming the op, input access,
// axis handling, dtype dispatch and a chunked TBB loop.
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "qtune/graph.h"
#include "qtune/tensor.h"

namespace qtune {

using Inputs = std::span<const Tensor* const>;
using Outputs = std::span<Tensor>;

// Throws Error("op 'name' (Type): message").
[[noreturn]] void kernel_error(const Op& op, std::string_view message);

// Input i, or an error naming the op when it is absent.
const Tensor& input_at(const Op& op, Inputs inputs, std::size_t i);
// Input i when present and non-empty (an empty tensor marks an absent optional input).
const Tensor* optional_input(Inputs inputs, std::size_t i);
void require_dtype(const Op& op, const Tensor& t, DType dtype, std::string_view what);
void require_outputs(const Op& op, Outputs outputs, std::size_t min_count);

// Where an in-place kernel (kernel_registry.h) writes output j: outputs[j] when the executor
// placed there a dying input of this dtype and shape, else `fresh`, made uninitialised; the
// kernel then moves `fresh` into outputs[j] once it has read every input.
inline Tensor& output_buffer(Outputs outputs, std::size_t j, DType dtype, const Shape& shape, Tensor& fresh) {
  Tensor& placed = outputs[j];
  if (placed.dtype() == dtype && placed.shape() == shape && placed.numel() > 0) return placed;
  fresh = Tensor::uninitialized(dtype, shape);
  return fresh;
}

// Maps a possibly negative axis into [0, rank); error naming the op when out of range.
std::int64_t normalize_axis(const Op& op, std::int64_t axis, std::int64_t rank);
// Axes from the `axes` attribute, or else input `input_index` (absent = empty).
std::vector<std::int64_t> axes_from(const Op& op, Inputs inputs, std::size_t input_index);

// Row-major strides of a shape, in elements.
std::vector<std::int64_t> strides_of(const Shape& shape);

// Calls f(value-of-type) with a default value of the C++ type of `dtype`.
template <class F>
void dispatch_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: f(float{}); return;
    case DType::Float64: f(double{}); return;
    case DType::Int8: f(std::int8_t{}); return;
    case DType::Int16: f(std::int16_t{}); return;
    case DType::Int32: f(std::int32_t{}); return;
    case DType::Int64: f(std::int64_t{}); return;
    case DType::UInt8: f(std::uint8_t{}); return;
    case DType::Bool: f(bool{}); return;
  }
}

// Calls f(value) with an unsigned integer type of the element size of `dtype`: for
// layout-only ops (transpose, slice, gather) that move elements without reading them.
template <class F>
void dispatch_size(DType dtype, F&& f) {
  switch (dtype_size(dtype)) {
    case 1: f(std::uint8_t{}); return;
    case 2: f(std::uint16_t{}); return;
    case 4: f(std::uint32_t{}); return;
    default: f(std::uint64_t{}); return;
  }
}

// Splits [0, n) into chunks of at least `grain` items and runs body(begin, end) on each,
// in parallel when there is more than one chunk.
template <class F>
void parallel_chunks(std::int64_t n, std::int64_t grain, F&& body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain) {
    body(std::int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
}

// Splits [0, n) into ceil(n / size) chunks [c·size, min(n, (c+1)·size)) and runs
// body(c, begin, end) on each in parallel. The boundaries depend on n and size only, never on
// the scheduler, so partial sums kept per chunk and added in chunk order give the same bits
// on every run and thread count (training must be reproducible).
template <class F>
void parallel_fixed_chunks(std::int64_t n, std::int64_t size, F&& body) {
  if (n <= 0) return;
  if (size < 1) size = 1;
  const std::int64_t chunks = (n + size - 1) / size;
  tbb::parallel_for(std::int64_t{0}, chunks,
                    [&](std::int64_t c) { body(c, c * size, std::min(n, (c + 1) * size)); });
}

// Elements per parallel chunk of cheap elementwise work: large enough to amortise a task.
inline constexpr std::int64_t kElementGrain = 32768;

// Spatial parameters of one conv/pool dimension, resolved from the ONNX attributes.
struct SpatialDim {
  std::int64_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
};

// Resolves kernel/stride/dilation/pads/auto_pad of a conv or pool op over the spatial
// dims `in_spatial`; `ceil_mode` only for pooling. Output size computed per ONNX.
std::vector<SpatialDim> resolve_spatial(const Op& op, const Shape& in_spatial, const Shape& kernel,
                                        bool ceil_mode);

}  // namespace qtune

namespace qtune {

// Per-thread scratch memory (e.g. im2col columns), grown on demand and reused across
// ops and runs so the hot loops allocate nothing. Valid until the same thread asks
// again: use it only inside one leaf task body that starts no nested parallel work.
float* thread_scratch(std::size_t floats);


}  // namespace qtune
