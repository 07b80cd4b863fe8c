#pragma once
// Test values (reference §5.4, esp-ppq's values_for_test): sample 0 of the given inputs
// and the quantized executor's outputs on it, permuted to the exported layout and
// integerised with each variable's bound config, so a person can check the chip's
// outputs against qtune's (ESP-DL's test app compares them).
#include <vector>

#include "export/export_graph.h"

namespace qtune {

struct TestValues {
  std::vector<EspdlTensor> inputs;
  std::vector<EspdlTensor> outputs;
};

// `quantized` is the graph before export (its outputs are the exported graph's outputs,
// same names); `inputs` one tensor per graph input.
TestValues export_test_values(const Graph& quantized, const ExportGraph& export_graph, const std::vector<Tensor>& inputs);

}  // namespace qtune
