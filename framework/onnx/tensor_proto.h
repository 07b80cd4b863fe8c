#pragma once
// onnx::TensorProto <-> qtune::Tensor. Private to the ONNX import: only .cpp files of
// framework/onnx include the protobuf headers.
#include <string>

#include <onnx/onnx_pb.h>

#include "qtune/tensor.h"

namespace qtune {

// Converts an initializer or attribute tensor. `context` names it in errors
// (e.g. "model.onnx: initializer 'conv1.weight'"). Reads raw_data or the typed fields;
// external data and unsupported element types are an InputError.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& context);

// The qtune element type of an ONNX TensorProto_DataType; false when there is none.
bool dtype_from_onnx(int onnx_type, DType& out);

}  // namespace qtune
