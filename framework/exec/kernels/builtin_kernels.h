#pragma once
// One registration function per kernel family (one .cpp each). The registry calls
// register_builtin_kernels() once, lazily, so registration never depends on the
// static-initialisation order of the shared library.
#include <string>

#include "exec/kernel_registry.h"

namespace qtune {

// Registers without triggering the lazy builtin registration (used by the families).
// in_place: the kernel follows kernel_works_in_place's protocol (kernel_registry.h).
void add_builtin_kernel(const std::string& op_type, Kernel kernel, bool in_place = false);

void register_conv_kernels();
void register_conv_transpose_kernels();
void register_insert_zeros_kernels();
void register_gemm_matmul_kernels();
void register_elementwise_kernels();
void register_activation_kernels();
void register_pooling_kernels();
void register_reduce_kernels();
void register_shape_kernels();
void register_resize_kernels();
void register_normalization_kernels();

void register_builtin_kernels();

}  // namespace qtune
