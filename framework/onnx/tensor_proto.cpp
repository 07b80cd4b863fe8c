#include "onnx/tensor_proto.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>

namespace qtune {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

// IEEE half -> float (ONNX FLOAT16 weights are widened; qtune computes in float).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | ((mant & 0x3FFu) << 13);
    }
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

template <class T, class Field>
void copy_typed(Tensor& t, const Field& field, const std::string& context, const char* field_name) {
  if (static_cast<std::int64_t>(field.size()) != t.numel())
    throw InputError(fmt::format("{}: {} has {} values, shape {} needs {}", context, field_name, field.size(),
                                 shape_str(t.shape()), t.numel()));
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

}  // namespace

bool dtype_from_onnx(int onnx_type, DType& out) {
  switch (onnx_type) {
    case onnx::TensorProto_DataType_FLOAT: out = DType::Float32; return true;
    case onnx::TensorProto_DataType_FLOAT16: out = DType::Float32; return true;  // widened
    case onnx::TensorProto_DataType_DOUBLE: out = DType::Float64; return true;
    case onnx::TensorProto_DataType_INT8: out = DType::Int8; return true;
    case onnx::TensorProto_DataType_INT16: out = DType::Int16; return true;
    case onnx::TensorProto_DataType_INT32: out = DType::Int32; return true;
    case onnx::TensorProto_DataType_INT64: out = DType::Int64; return true;
    case onnx::TensorProto_DataType_UINT8: out = DType::UInt8; return true;
    case onnx::TensorProto_DataType_BOOL: out = DType::Bool; return true;
    default: return false;
  }
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& context) {
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL || proto.external_data_size() > 0)
    throw InputError(fmt::format("{}: tensor data is stored in an external file, which qtune does not read; "
                                 "save the model with all tensors inside the .onnx file",
                                 context));
  DType dtype;
  if (!dtype_from_onnx(proto.data_type(), dtype))
    throw InputError(fmt::format("{}: element type {} ({}) is not supported (expected float, double, int8/16/32/64, "
                                 "uint8 or bool)",
                                 context, onnx::TensorProto_DataType_Name(proto.data_type()), proto.data_type()));
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (auto d : shape)
    if (d < 0) throw InputError(fmt::format("{}: negative dimension in shape {}", context, shape_str(shape)));
  Tensor t(dtype, shape);
  const bool half = proto.data_type() == onnx::TensorProto_DataType_FLOAT16;

  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    const std::size_t elem = half ? 2 : dtype_size(dtype);
    if (raw.size() != static_cast<std::size_t>(t.numel()) * elem)
      throw InputError(fmt::format("{}: raw_data has {} bytes, shape {} of {} needs {}", context, raw.size(),
                                   shape_str(shape), onnx::TensorProto_DataType_Name(proto.data_type()),
                                   t.numel() * static_cast<std::int64_t>(elem)));
    if (half) {
      float* out = t.data<float>();
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        std::uint16_t h;
        std::memcpy(&h, raw.data() + 2 * i, 2);
        out[i] = half_to_float(h);
      }
    } else if (dtype == DType::Bool) {
      bool* out = t.data<bool>();
      for (std::int64_t i = 0; i < t.numel(); ++i) out[i] = raw[static_cast<std::size_t>(i)] != 0;
    } else if (!raw.empty()) {
      std::memcpy(t.raw(), raw.data(), raw.size());
    }
    return t;
  }

  // Typed fields: int32_data also carries int8/int16/uint8/bool and float16 bit patterns.
  switch (proto.data_type()) {
    case onnx::TensorProto_DataType_FLOAT: copy_typed<float>(t, proto.float_data(), context, "float_data"); break;
    case onnx::TensorProto_DataType_DOUBLE: copy_typed<double>(t, proto.double_data(), context, "double_data"); break;
    case onnx::TensorProto_DataType_INT64:
      copy_typed<std::int64_t>(t, proto.int64_data(), context, "int64_data");
      break;
    case onnx::TensorProto_DataType_INT32:
      copy_typed<std::int32_t>(t, proto.int32_data(), context, "int32_data");
      break;
    case onnx::TensorProto_DataType_INT16:
      copy_typed<std::int16_t>(t, proto.int32_data(), context, "int32_data");
      break;
    case onnx::TensorProto_DataType_INT8: copy_typed<std::int8_t>(t, proto.int32_data(), context, "int32_data"); break;
    case onnx::TensorProto_DataType_UINT8:
      copy_typed<std::uint8_t>(t, proto.int32_data(), context, "int32_data");
      break;
    case onnx::TensorProto_DataType_BOOL: copy_typed<bool>(t, proto.int32_data(), context, "int32_data"); break;
    case onnx::TensorProto_DataType_FLOAT16: {
      const auto& field = proto.int32_data();
      if (static_cast<std::int64_t>(field.size()) != t.numel())
        throw InputError(fmt::format("{}: int32_data has {} values, shape {} needs {}", context, field.size(),
                                     shape_str(shape), t.numel()));
      float* out = t.data<float>();
      for (int i = 0; i < field.size(); ++i) out[i] = half_to_float(static_cast<std::uint16_t>(field.Get(i)));
      break;
    }
    default: break;
  }
  return t;
}

}  // namespace qtune
