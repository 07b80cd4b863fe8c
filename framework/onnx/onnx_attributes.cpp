#include "onnx/onnx_attributes.h"

#include <fmt/format.h>

#include "onnx/tensor_proto.h"

namespace qtune {
namespace {

// Very old exporters leave `type` unset; infer it from the field that holds the value.
int attribute_type(const onnx::AttributeProto& a) {
  if (a.type() != onnx::AttributeProto_AttributeType_UNDEFINED) return a.type();
  if (a.has_f()) return onnx::AttributeProto_AttributeType_FLOAT;
  if (a.has_i()) return onnx::AttributeProto_AttributeType_INT;
  if (a.has_s()) return onnx::AttributeProto_AttributeType_STRING;
  if (a.has_t()) return onnx::AttributeProto_AttributeType_TENSOR;
  if (a.floats_size() > 0) return onnx::AttributeProto_AttributeType_FLOATS;
  if (a.ints_size() > 0) return onnx::AttributeProto_AttributeType_INTS;
  if (a.strings_size() > 0) return onnx::AttributeProto_AttributeType_STRINGS;
  return onnx::AttributeProto_AttributeType_UNDEFINED;
}

}  // namespace

Attributes attributes_from_proto(const onnx::NodeProto& node, const std::string& context) {
  Attributes attrs;
  for (const auto& a : node.attribute()) {
    switch (attribute_type(a)) {
      case onnx::AttributeProto_AttributeType_INT: attrs.set(a.name(), static_cast<std::int64_t>(a.i())); break;
      case onnx::AttributeProto_AttributeType_FLOAT: attrs.set(a.name(), a.f()); break;
      case onnx::AttributeProto_AttributeType_STRING: attrs.set(a.name(), a.s()); break;
      case onnx::AttributeProto_AttributeType_INTS:
        attrs.set(a.name(), std::vector<std::int64_t>(a.ints().begin(), a.ints().end()));
        break;
      case onnx::AttributeProto_AttributeType_FLOATS:
        attrs.set(a.name(), std::vector<float>(a.floats().begin(), a.floats().end()));
        break;
      case onnx::AttributeProto_AttributeType_STRINGS:
        attrs.set(a.name(), std::vector<std::string>(a.strings().begin(), a.strings().end()));
        break;
      case onnx::AttributeProto_AttributeType_TENSOR:
        attrs.set(a.name(), tensor_from_proto(a.t(), fmt::format("{}: attribute '{}'", context, a.name())));
        break;
      default: break;
    }
  }
  return attrs;
}

}  // namespace qtune
