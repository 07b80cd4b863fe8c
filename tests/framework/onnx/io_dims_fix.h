#pragma once
// Rewrites the dims of graph input/output ValueInfos of an ONNX file with the protobuf
// classes, nothing else: what shared/parity/ppocr_det/fix_det_dims.py does with Python
// onnx, so the tests need no Python at run time.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qtune::test {

// name -> dims; -1 = the symbolic dim "N" (dim_param), otherwise dim_value. Every name must
// be a graph input or output whose rank equals the dims' (else std::runtime_error naming it).
using IoDims = std::map<std::string, std::vector<std::int64_t>>;

// The serialised model with those dims set (for import_onnx_bytes).
std::string onnx_with_io_dims(const std::filesystem::path& model, const IoDims& dims);

}  // namespace qtune::test
