#pragma once
// Reverse-mode gradients of single ops, registered by op type beside the forward kernels
// (exec/kernel_registry.h), which compute the forward values. A backward function gets the
// op's forward inputs and outputs and dL/d(outputs), and writes dL/d(input i) for every
// input the caller wants (a fresh tensor of the input's shape; the caller accumulates).
// Where the forward has a kink (Relu at 0, Clip at its bounds, max ties) the gradient is
// torch's, which is what esp-ppq trains with.
#include <any>
#include <span>
#include <string>
#include <vector>

#include "exec/kernels/kernel_util.h"
#include "qtune/graph.h"
#include "qtune/tensor.h"

namespace qtune::grad {

struct BackwardArgs {
  const Op& op;
  Inputs inputs;                      // forward inputs as the kernel saw them (nullptr = absent)
  std::span<const Tensor* const> outputs;       // forward outputs
  std::span<const Tensor* const> grad_outputs;  // dL/d(outputs), same shapes (zeros where none flows)
  std::span<const bool> wanted;       // wanted[i]: write grad_inputs[i]
  std::span<Tensor> grad_inputs;      // one per input
  std::any& state;                    // per-node cache kept across steps (e.g. a gather map)
};

using BackwardFn = void (*)(const BackwardArgs& args);
// Empty when the op's gradient is supported with these attributes, else why not.
using SupportFn = std::string (*)(const Op& op);

struct OpGradient {
  BackwardFn backward = nullptr;
  SupportFn unsupported = nullptr;    // null: every attribute combination is supported
};

// nullptr when no gradient exists for that op type.
const OpGradient* find_gradient(const std::string& op_type);
// "" when `op` can be differentiated, else the reason (no gradient, unsupported attribute).
std::string gradient_unsupported(const Op& op);

// Registration, one function per family (grad/*_grad.cpp).
void add_gradient(const std::string& op_type, OpGradient gradient);
void register_conv_gradients();
void register_linear_gradients();
void register_activation_gradients();
void register_elementwise_gradients();
void register_layout_gradients();
void register_pool_gradients();

// --- helpers shared by the families ------------------------------------------------------

// Sums `g` (shape `from`) down to `to` (numpy broadcasting run backwards).
Tensor sum_to_shape(const Tensor& g, const Shape& to);
// A float32 tensor of the shape of `like`, zero-filled.
inline Tensor zeros_like(const Tensor& like) { return Tensor(DType::Float32, like.shape()); }

}  // namespace qtune::grad
