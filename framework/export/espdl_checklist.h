#pragma once
// The minimum ESP-DL's loader needs from an .espdl file (reference §5.7), checked on the
// file's bytes: EDL2 header with the right payload length; a FlatBuffer Model with a
// graph; nodes in executable order, every input a graph input, an earlier node's output
// or an initializer; `quant_type` on every node and `activation` on quantized
// Conv/Gemm/MatMul; initializers as raw 16-byte-aligned data with ESP-DL weight layouts
// and dtypes (weights INT8/INT16, bias INT32 for S8 and INT64 for S16); exponents on
// every initializer and ValueInfo; a ValueInfo for every input, output and intermediate
// tensor, batch 1; LUT exponents equal to their op's output exponent.
#include <string>
#include <string_view>
#include <vector>

namespace qtune {

// Every violation, one line each naming the node / tensor and what is expected; empty
// when the file is loadable. A file that does not parse yields that one error.
std::vector<std::string> espdl_loader_problems(std::string_view file_bytes, const std::string& source);

}  // namespace qtune
