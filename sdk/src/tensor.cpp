#include "qtune/tensor.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qtune {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int8: return 1;
    case DType::Int16: return 2;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
    case DType::Bool: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
  }
  return "?";
}

std::int64_t shape_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw Error(fmt::format("shape {} has a negative or unknown dimension", shape_str(shape)));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Tensor::Tensor() = default;

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  allocate(true);
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.allocate(false);
  return t;
}

Tensor Tensor::scalar(float value) {
  Tensor t = uninitialized(DType::Float32, {});
  *t.data<float>() = value;
  return t;
}

void Tensor::allocate(bool zero) {
  const std::size_t bytes = byte_size();
  if (bytes == 0) {
    data_.reset();
    return;
  }
  auto* p = static_cast<std::byte*>(::operator new[](bytes, std::align_val_t(kAlignment)));
  if (zero) std::memset(p, 0, bytes);
  data_.reset(p);
}

Tensor::Tensor(const Tensor& other) : dtype_(other.dtype_), shape_(other.shape_), numel_(other.numel_) {
  allocate(false);
  if (byte_size()) std::memcpy(data_.get(), other.data_.get(), byte_size());
}

Tensor::Tensor(Tensor&& other) noexcept
    : dtype_(other.dtype_), shape_(std::move(other.shape_)), numel_(other.numel_), data_(std::move(other.data_)) {
  other.shape_ = Shape{0};
  other.numel_ = 0;
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) {
    Tensor copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  dtype_ = other.dtype_;
  shape_ = std::move(other.shape_);
  numel_ = other.numel_;
  data_ = std::move(other.data_);
  other.shape_ = Shape{0};
  other.numel_ = 0;
  return *this;
}

Tensor::~Tensor() = default;

std::int64_t Tensor::dim(std::int64_t axis) const {
  const auto r = static_cast<std::int64_t>(rank());
  if (axis < -r || axis >= r) throw Error(fmt::format("axis {} out of range for shape {}", axis, shape_str(shape_)));
  return shape_[static_cast<std::size_t>(axis < 0 ? axis + r : axis)];
}

void Tensor::check_type(DType wanted) const {
  if (dtype_ != wanted)
    throw Error(fmt::format("tensor of type {} accessed as {}", dtype_name(dtype_), dtype_name(wanted)));
}

Tensor::FlatMap Tensor::flat() { return FlatMap(data<float>(), numel_); }
Tensor::ConstFlatMap Tensor::flat() const { return ConstFlatMap(data<float>(), numel_); }

Eigen::Map<Tensor::RowMatrix> Tensor::matrix(std::int64_t rows, std::int64_t cols) {
  if (rows * cols != numel_) throw Error(fmt::format("matrix view {}x{} of tensor {}", rows, cols, shape_str(shape_)));
  return Eigen::Map<RowMatrix>(data<float>(), rows, cols);
}
Eigen::Map<const Tensor::RowMatrix> Tensor::matrix(std::int64_t rows, std::int64_t cols) const {
  if (rows * cols != numel_) throw Error(fmt::format("matrix view {}x{} of tensor {}", rows, cols, shape_str(shape_)));
  return Eigen::Map<const RowMatrix>(data<float>(), rows, cols);
}

static Shape resolve_reshape(const Shape& from, std::int64_t numel, Shape to) {
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == -1) {
      if (infer >= 0) throw Error(fmt::format("reshape to {}: more than one -1", shape_str(to)));
      infer = static_cast<int>(i);
    } else if (to[i] < 0) {
      throw Error(fmt::format("reshape to {}: negative dimension", shape_str(to)));
    } else {
      known *= to[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw Error(fmt::format("cannot reshape {} to {}", shape_str(from), shape_str(to)));
    to[static_cast<std::size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw Error(fmt::format("cannot reshape {} to {}", shape_str(from), shape_str(to)));
  }
  return to;
}

Tensor Tensor::reshaped(Shape shape) const& {
  Tensor t(*this);
  return std::move(t).reshaped(std::move(shape));
}

Tensor Tensor::reshaped(Shape shape) && {
  shape_ = resolve_reshape(shape_, numel_, std::move(shape));
  return std::move(*this);
}

namespace {
template <class To, class From>
void convert(const From* src, To* dst, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<To>(src[i]);
}

template <class F>
void visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::Float32: f(float{}); break;
    case DType::Float64: f(double{}); break;
    case DType::Int8: f(std::int8_t{}); break;
    case DType::Int16: f(std::int16_t{}); break;
    case DType::Int32: f(std::int32_t{}); break;
    case DType::Int64: f(std::int64_t{}); break;
    case DType::UInt8: f(std::uint8_t{}); break;
    case DType::Bool: f(bool{}); break;
  }
}
}  // namespace

Tensor Tensor::cast(DType to) const {
  if (to == dtype_) return *this;
  Tensor out = uninitialized(to, shape_);
  visit_dtype(dtype_, [&](auto src_tag) {
    using S = decltype(src_tag);
    visit_dtype(to, [&](auto dst_tag) {
      using D = decltype(dst_tag);
      convert<D, S>(reinterpret_cast<const S*>(data_.get()), reinterpret_cast<D*>(out.data_.get()), numel_);
    });
  });
  return out;
}

std::vector<std::int64_t> Tensor::to_int64() const {
  Tensor t = cast(DType::Int64);
  return {t.data<std::int64_t>(), t.data<std::int64_t>() + numel_};
}
std::vector<float> Tensor::to_float() const {
  Tensor t = cast(DType::Float32);
  return {t.data<float>(), t.data<float>() + numel_};
}
std::vector<double> Tensor::to_double() const {
  Tensor t = cast(DType::Float64);
  return {t.data<double>(), t.data<double>() + numel_};
}

}  // namespace qtune
