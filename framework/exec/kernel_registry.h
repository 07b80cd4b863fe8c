#pragma once
// Op kernels of the float executor, registered by op type. A kernel reads its inputs
// (absent optional inputs are nullptr), computes every output from the runtime input
// shapes (static graph shapes are informational only), and throws qtune::Error naming
// the op on bad attributes or shapes.
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "qtune/graph.h"
#include "qtune/tensor.h"

namespace qtune {

using Kernel = void (*)(const Op& op, std::span<const Tensor* const> inputs, std::span<Tensor> outputs);

void register_kernel(const std::string& op_type, Kernel kernel);
// nullptr when no kernel exists for that type.
Kernel find_kernel(const std::string& op_type);

// In-place kernels (elementwise: output index i computed from input index i only). The
// executor may hand such a kernel an input that no later op reads as outputs[0] and point
// that input at it; the kernel writes its result over it when dtype and shape match
// (output_buffer in kernels/kernel_util.h) and otherwise makes a new output, assigned to
// outputs[0] only after it has read every input. Only builtin kernels are marked;
// register_kernel clears the mark for the type it replaces.
bool kernel_works_in_place(const std::string& op_type);
std::vector<std::string> supported_op_types();

}  // namespace qtune
