#pragma once
// The esp-ppq parity cases (tests/fixtures/parity/README.md): which model, target and
// calibration batch size each one uses, and loading one (model imported + simplified +
// ConvTranspose decomposition as esp-ppq's default pre-quantization pipeline, esp-ppq's
// exponents.json parsed, calib.npy cut into esp-ppq's batches).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "framework/onnx/io_dims_fix.h"
#include "qtune/graph.h"

namespace qtune::test {

struct ParityCase {
  std::string name, onnx, target;
  std::int64_t batch = 4;  // esp-ppq's calibration batch size for this case (its README)
  IoDims io_dims;          // graph input/output dims esp-ppq's copy of the model had fixed
};

std::vector<ParityCase> parity_cases();
std::string parity_case_name(const testing::TestParamInfo<ParityCase>& info);
void PrintTo(const ParityCase& c, std::ostream* os);  // "name/target" in gtest messages

struct ParityFixture {
  Graph graph;                  // imported, simplified, ConvTransposes decomposed; not quantized
  rapidjson::Document exponents;
  std::vector<std::vector<Tensor>> batches;
};

// nullptr when the fixture (or, for det, the cached model) is missing.
std::unique_ptr<ParityFixture> load_parity_fixture(const ParityCase& c);

// The exponents of one esp-ppq row ("exponent": [..]) as doubles.
std::vector<double> parity_exponents(const rapidjson::Value& v);

}  // namespace qtune::test
