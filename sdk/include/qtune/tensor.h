#pragma once
// Tensor: a shape plus contiguous, row-major storage of one element type.
// Value semantics (copying copies the data; moving is cheap). Eigen maps give
// vectorised views without copies.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <boost/config.hpp>

#include "qtune/error.h"

namespace qtune {

using Shape = std::vector<std::int64_t>;

enum class DType : std::uint8_t { Float32, Float64, Int8, Int16, Int32, Int64, UInt8, Bool };

std::size_t dtype_size(DType t);
const char* dtype_name(DType t);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <> struct DTypeOf<std::int8_t> { static constexpr DType value = DType::Int8; };
template <> struct DTypeOf<std::int16_t> { static constexpr DType value = DType::Int16; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<std::uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };

// Number of elements of a shape (1 for a scalar, rank 0). Throws on a negative dimension.
std::int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[1, 3, 32, 32]"

class BOOST_SYMBOL_VISIBLE Tensor {
 public:
  using FlatMap = Eigen::Map<Eigen::Array<float, Eigen::Dynamic, 1>>;
  using ConstFlatMap = Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, 1>>;
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  Tensor();  // empty: Float32, shape {0}
  Tensor(DType dtype, Shape shape);  // zero-filled
  explicit Tensor(Shape shape) : Tensor(DType::Float32, std::move(shape)) {}
  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other);
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor();

  // Uninitialised storage, for kernels that overwrite every element.
  static Tensor uninitialized(DType dtype, Shape shape);
  template <class T>
  static Tensor from(Shape shape, const std::vector<T>& values);
  static Tensor scalar(float value);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t dim(std::int64_t axis) const;  // negative axes count from the end
  std::int64_t numel() const { return numel_; }
  std::size_t byte_size() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
  bool empty() const { return numel_ == 0; }

  // Typed access; throws qtune::Error if T does not match dtype().
  template <class T> T* data();
  template <class T> const T* data() const;
  template <class T> std::span<T> values() { return {data<T>(), static_cast<std::size_t>(numel_)}; }
  template <class T> std::span<const T> values() const { return {data<T>(), static_cast<std::size_t>(numel_)}; }
  std::byte* raw() { return data_.get(); }
  const std::byte* raw() const { return data_.get(); }

  // Eigen views of a Float32 tensor: flat array, or a row-major matrix of rows x cols.
  FlatMap flat();
  ConstFlatMap flat() const;
  Eigen::Map<RowMatrix> matrix(std::int64_t rows, std::int64_t cols);
  Eigen::Map<const RowMatrix> matrix(std::int64_t rows, std::int64_t cols) const;

  // Same data, new shape (element count must match; one -1 is inferred).
  Tensor reshaped(Shape shape) const&;
  Tensor reshaped(Shape shape) &&;
  Tensor cast(DType to) const;
  // Element values converted, whatever the stored type (for shapes, axes, indices).
  std::vector<std::int64_t> to_int64() const;
  std::vector<float> to_float() const;
  std::vector<double> to_double() const;

 private:
  void allocate(bool zero);
  void check_type(DType wanted) const;

  // Storage is 64-byte aligned: SIMD loads are aligned, and, as important, Eigen's
  // reductions peel elements up to the first aligned packet, so an address-dependent
  // alignment would change the summation order (and the last bits) from run to run.
  static constexpr std::size_t kAlignment = 64;
  struct AlignedDelete {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(kAlignment)); }
  };

  DType dtype_ = DType::Float32;
  Shape shape_{0};
  std::int64_t numel_ = 0;
  std::unique_ptr<std::byte[], AlignedDelete> data_;
};

template <class T>
T* Tensor::data() {
  check_type(DTypeOf<T>::value);
  return reinterpret_cast<T*>(data_.get());
}
template <class T>
const T* Tensor::data() const {
  check_type(DTypeOf<T>::value);
  return reinterpret_cast<const T*>(data_.get());
}
template <class T>
Tensor Tensor::from(Shape shape, const std::vector<T>& values) {
  Tensor t = uninitialized(DTypeOf<T>::value, std::move(shape));
  if (static_cast<std::size_t>(t.numel()) != values.size())
    throw Error("Tensor::from: " + std::to_string(values.size()) + " values for shape " + shape_str(t.shape()));
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

}  // namespace qtune
