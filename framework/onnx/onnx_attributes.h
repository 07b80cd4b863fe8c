#pragma once
// onnx::NodeProto attributes -> qtune::Attributes. Private to framework/onnx.
#include <string>

#include <onnx/onnx_pb.h>

#include "qtune/attributes.h"

namespace qtune {

// INT, FLOAT, STRING, INTS, FLOATS, STRINGS and TENSOR attributes are converted.
// Graph-valued and sparse attributes (If/Loop bodies, ...) are skipped: no op that
// carries them has a kernel, so the unsupported-op check reports the op itself.
Attributes attributes_from_proto(const onnx::NodeProto& node, const std::string& context);

}  // namespace qtune
