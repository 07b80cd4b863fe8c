#pragma once
// Op families the ESP-DL exporter treats alike (esp-ppq's espdl_typedef.py sets; reference §5.6).
#include <string>

namespace qtune {

bool is_activation_op(const std::string& type);   // ACTIVATION_OP_SET: Relu, PRelu, Sigmoid, Clip, ...
bool is_math_op(const std::string& type);         // MATH_OP_SET: Abs, Exp, Log, Sqrt, Neg, ...
bool is_conv_layout_op(const std::string& type);  // NHWC ops: Conv, pools, DepthToSpace, ...
bool is_add_like_op(const std::string& type);     // two-input element-wise: Add, Sub, Mul, Div, compares
bool is_restore_layout_op(const std::string& type);  // OTHER_OP_SET: run in the original layout
bool is_softmax_like_op(const std::string& type); // Softmax, LogSoftmax, Split (an `axis`)
bool is_reduce_op(const std::string& type);       // Reduce* (an `axes` input)
// Whether ESP-DL's module registry creates this op type (esp-dl dl_module_creator.hpp @ 12c0616).
bool is_espdl_module(const std::string& type);

}  // namespace qtune
