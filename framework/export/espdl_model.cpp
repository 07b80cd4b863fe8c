#include "export/espdl_model.h"

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

static_assert(std::endian::native == std::endian::little, "the .espdl format stores little-endian elements");

const char* espdl_data_type_name(EspdlDataType type) {
  switch (type) {
    case EspdlDataType::Undefined: return "UNDEFINED";
    case EspdlDataType::Float: return "FLOAT";
    case EspdlDataType::UInt8: return "UINT8";
    case EspdlDataType::Int8: return "INT8";
    case EspdlDataType::UInt16: return "UINT16";
    case EspdlDataType::Int16: return "INT16";
    case EspdlDataType::Int32: return "INT32";
    case EspdlDataType::Int64: return "INT64";
    case EspdlDataType::String: return "STRING";
    case EspdlDataType::Bool: return "BOOL";
    case EspdlDataType::Float16: return "FLOAT16";
    case EspdlDataType::Double: return "DOUBLE";
    case EspdlDataType::UInt32: return "UINT32";
    case EspdlDataType::UInt64: return "UINT64";
  }
  return "UNDEFINED";
}

std::size_t espdl_data_type_size(EspdlDataType type) {
  switch (type) {
    case EspdlDataType::UInt8: case EspdlDataType::Int8: case EspdlDataType::Bool: return 1;
    case EspdlDataType::UInt16: case EspdlDataType::Int16: case EspdlDataType::Float16: return 2;
    case EspdlDataType::Float: case EspdlDataType::Int32: case EspdlDataType::UInt32: return 4;
    case EspdlDataType::Int64: case EspdlDataType::Double: case EspdlDataType::UInt64: return 8;
    case EspdlDataType::Undefined: case EspdlDataType::String: return 0;
  }
  return 0;
}

bool espdl_data_type_known(std::int32_t value) { return value >= 0 && value <= 13; }

EspdlDataType espdl_data_type_of(DType type) {
  switch (type) {
    case DType::Float32: return EspdlDataType::Float;
    case DType::Float64: return EspdlDataType::Double;
    case DType::Int8: return EspdlDataType::Int8;
    case DType::Int16: return EspdlDataType::Int16;
    case DType::Int32: return EspdlDataType::Int32;
    case DType::Int64: return EspdlDataType::Int64;
    case DType::UInt8: return EspdlDataType::UInt8;
    case DType::Bool: return EspdlDataType::Bool;
  }
  throw InputError(fmt::format("no .espdl element type for tensor type {}", dtype_name(type)));
}

DType dtype_of(EspdlDataType type) {
  switch (type) {
    case EspdlDataType::Float: return DType::Float32;
    case EspdlDataType::Double: return DType::Float64;
    case EspdlDataType::Int8: return DType::Int8;
    case EspdlDataType::Int16: return DType::Int16;
    case EspdlDataType::Int32: return DType::Int32;
    case EspdlDataType::Int64: return DType::Int64;
    case EspdlDataType::UInt8: return DType::UInt8;
    case EspdlDataType::Bool: return DType::Bool;
    default: break;
  }
  throw InputError(fmt::format(".espdl element type {} has no qtune tensor type", espdl_data_type_name(type)));
}

std::int64_t EspdlTensor::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

namespace {

template <class T>
T element(const std::vector<std::uint8_t>& data, std::size_t i) {
  T v;
  std::memcpy(&v, data.data() + i * sizeof(T), sizeof(T));
  return v;
}

template <class Out>
std::vector<Out> convert(const EspdlTensor& t) {
  const std::size_t size = espdl_data_type_size(t.data_type);
  if (size == 0) throw InputError(fmt::format("tensor '{}': element type {} holds no numbers", t.name, espdl_data_type_name(t.data_type)));
  const std::size_t n = t.data.size() / size;
  std::vector<Out> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (t.data_type) {
      case EspdlDataType::Float: out[i] = static_cast<Out>(element<float>(t.data, i)); break;
      case EspdlDataType::Double: out[i] = static_cast<Out>(element<double>(t.data, i)); break;
      case EspdlDataType::Int8: out[i] = static_cast<Out>(element<std::int8_t>(t.data, i)); break;
      case EspdlDataType::UInt8: case EspdlDataType::Bool: out[i] = static_cast<Out>(element<std::uint8_t>(t.data, i)); break;
      case EspdlDataType::Int16: out[i] = static_cast<Out>(element<std::int16_t>(t.data, i)); break;
      case EspdlDataType::UInt16: out[i] = static_cast<Out>(element<std::uint16_t>(t.data, i)); break;
      case EspdlDataType::Int32: out[i] = static_cast<Out>(element<std::int32_t>(t.data, i)); break;
      case EspdlDataType::UInt32: out[i] = static_cast<Out>(element<std::uint32_t>(t.data, i)); break;
      case EspdlDataType::Int64: out[i] = static_cast<Out>(element<std::int64_t>(t.data, i)); break;
      case EspdlDataType::UInt64: out[i] = static_cast<Out>(element<std::uint64_t>(t.data, i)); break;
      default: throw InputError(fmt::format("tensor '{}': cannot read element type {}", t.name, espdl_data_type_name(t.data_type)));
    }
  }
  return out;
}

template <class T>
void append_ints(std::vector<std::uint8_t>& data, const std::vector<std::int64_t>& values, const std::string& name) {
  data.resize(values.size() * sizeof(T));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t v = values[i];
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      throw Error(fmt::format("tensor '{}': value {} at {} does not fit its element type", name, v, i));
    const T t = static_cast<T>(v);
    std::memcpy(data.data() + i * sizeof(T), &t, sizeof(T));
  }
}

}  // namespace

std::vector<std::int64_t> EspdlTensor::to_int64() const { return convert<std::int64_t>(*this); }
std::vector<double> EspdlTensor::to_double() const { return convert<double>(*this); }

EspdlTensor EspdlTensor::from(const std::string& name, const Tensor& value, std::vector<std::int64_t> exponents,
                              std::string doc_string) {
  EspdlTensor t;
  t.name = name;
  t.data_type = espdl_data_type_of(value.dtype());
  t.dims.assign(value.shape().begin(), value.shape().end());
  t.exponents = std::move(exponents);
  t.doc_string = std::move(doc_string);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(value.raw());
  t.data.assign(bytes, bytes + value.byte_size());
  return t;
}

EspdlTensor EspdlTensor::from_ints(const std::string& name, EspdlDataType type, std::vector<std::int64_t> dims,
                                   const std::vector<std::int64_t>& values, std::vector<std::int64_t> exponents,
                                   std::string doc_string) {
  EspdlTensor t;
  t.name = name;
  t.data_type = type;
  t.dims = std::move(dims);
  t.exponents = std::move(exponents);
  t.doc_string = std::move(doc_string);
  if (t.numel() != static_cast<std::int64_t>(values.size()))
    throw Error(fmt::format("tensor '{}': {} values for {} elements", name, values.size(), t.numel()));
  switch (type) {
    case EspdlDataType::Int8: append_ints<std::int8_t>(t.data, values, name); break;
    case EspdlDataType::Int16: append_ints<std::int16_t>(t.data, values, name); break;
    case EspdlDataType::Int32: append_ints<std::int32_t>(t.data, values, name); break;
    case EspdlDataType::Int64: append_ints<std::int64_t>(t.data, values, name); break;
    default: throw Error(fmt::format("tensor '{}': {} is not an integer type for quantized values", name, espdl_data_type_name(type)));
  }
  return t;
}

Tensor EspdlTensor::to_tensor() const {
  Tensor t(dtype_of(data_type), Shape(dims.begin(), dims.end()));
  if (t.byte_size() != data.size())
    throw InputError(fmt::format("tensor '{}': {} data bytes for shape {} of {}", name, data.size(), shape_str(t.shape()),
                                 espdl_data_type_name(data_type)));
  std::memcpy(t.raw(), data.data(), data.size());
  return t;
}

const EspdlTensor* find_initializer(const EspdlGraph& graph, const std::string& name) {
  for (const auto& t : graph.initializers)
    if (t.name == name) return &t;
  return nullptr;
}

const EspdlValueInfo* find_value_info(const EspdlGraph& graph, const std::string& name) {
  for (const auto& v : graph.value_info)
    if (v.name == name) return &v;
  return nullptr;
}

const EspdlNode* find_node(const EspdlGraph& graph, const std::string& name) {
  for (const auto& n : graph.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

bool same_attribute(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  auto bits = [](float f) { return std::bit_cast<std::uint32_t>(f); };
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, float>) {
          return bits(x) == bits(y);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          if (x.size() != y.size()) return false;
          for (std::size_t i = 0; i < x.size(); ++i)
            if (bits(x[i]) != bits(y[i])) return false;
          return true;
        } else if constexpr (std::is_same_v<T, Tensor>) {
          return x.dtype() == y.dtype() && x.shape() == y.shape() && std::memcmp(x.raw(), y.raw(), x.byte_size()) == 0;
        } else {
          return x == y;
        }
      },
      a);
}

}  // namespace qtune
