#pragma once
// EspdlModel: the content of a .espdl file as plain values — what the writer serializes
// and the reader returns (espdl_file.h). It mirrors the parts of the FlatBuffer schema
// (espdl.fbs) that esp-ppq writes and ESP-DL reads (reference §5.3, §5.4); declared but
// unused parts (functions, the typed *_data arrays, external data) are not represented.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "qtune/attributes.h"
#include "qtune/tensor.h"

namespace qtune {

// Element types, numbered as ONNX (and the schema's TensorDataType).
enum class EspdlDataType : std::int32_t {
  Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7,
  String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13,
};

// "INT8", "FLOAT", ... (the schema's names); "UNDEFINED" for an unknown value.
const char* espdl_data_type_name(EspdlDataType type);
// Bytes per element; 0 for types raw data cannot hold (UNDEFINED, STRING).
std::size_t espdl_data_type_size(EspdlDataType type);
bool espdl_data_type_known(std::int32_t value);
// qtune tensor element type <-> file element type (InputError for one with no match).
EspdlDataType espdl_data_type_of(DType type);
DType dtype_of(EspdlDataType type);

// An initializer, a LUT or a test value: raw little-endian elements.
struct EspdlTensor {
  std::string name;
  EspdlDataType data_type = EspdlDataType::Float;
  std::vector<std::int64_t> dims;        // true shape; [] = scalar (one element)
  std::vector<std::int64_t> exponents;   // one per tensor, or one per channel
  std::string doc_string;                // "layout ==> (N/16)HWC16"; empty = absent
  std::vector<std::uint8_t> data;        // numel * element size bytes, no padding

  std::int64_t numel() const;
  // Elements converted to integers / doubles (any stored type but STRING).
  std::vector<std::int64_t> to_int64() const;
  std::vector<double> to_double() const;
  // From a qtune tensor (same element type, same row-major order).
  static EspdlTensor from(const std::string& name, const Tensor& value, std::vector<std::int64_t> exponents = {0},
                          std::string doc_string = {});
  // Integers stored as `type` (INT8/INT16/INT32/INT64); values must fit (checked).
  static EspdlTensor from_ints(const std::string& name, EspdlDataType type, std::vector<std::int64_t> dims,
                               const std::vector<std::int64_t>& values, std::vector<std::int64_t> exponents,
                               std::string doc_string = {});
  Tensor to_tensor() const;  // InputError for an element type qtune tensors cannot hold
};

// A graph input / output / intermediate: element type, exported-layout shape, exponent.
struct EspdlValueInfo {
  std::string name;
  EspdlDataType elem_type = EspdlDataType::Float;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> exponents;
};

struct EspdlNode {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attributes;   // written sorted by name (a std::map), as esp-ppq does
};

struct EspdlGraph {
  std::string name;
  std::vector<EspdlNode> nodes;           // executable (topological) order
  std::vector<EspdlTensor> initializers;  // LUTs first, then parameters
  std::vector<EspdlValueInfo> inputs;
  std::vector<EspdlValueInfo> outputs;
  std::vector<EspdlValueInfo> value_info; // every non-parameter variable
  std::vector<EspdlTensor> test_inputs;
  std::vector<EspdlTensor> test_outputs;
};

struct EspdlModel {
  std::int32_t ir_version = 8;            // the source ONNX's (esp-ppq's fallback: 8)
  std::int64_t model_version = 0;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  EspdlGraph graph;
};

// Lookups by name (nullptr when absent).
const EspdlTensor* find_initializer(const EspdlGraph& graph, const std::string& name);
const EspdlValueInfo* find_value_info(const EspdlGraph& graph, const std::string& name);
const EspdlNode* find_node(const EspdlGraph& graph, const std::string& name);

// Whether two attribute values are identical (type and value; floats bit for bit).
bool same_attribute(const AttrValue& a, const AttrValue& b);

}  // namespace qtune
