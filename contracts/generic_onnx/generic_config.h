#pragma once
// The JSON file that configures the generic ONNX contract (--contract-config), read and
// validated in full before qtune calls anything else. Reference: docs/contract_guide.md.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "qtune/tensor.h"

namespace qtune::generic_onnx {

enum class EvalMetric { Top1, Snr, Cosine, Top1Agreement };
const char* metric_name(EvalMetric metric);

struct EvaluationConfig {
  std::vector<std::filesystem::path> inputs;      // one .npy per graph input, [N, ...]
  std::optional<std::filesystem::path> labels;    // integer class ids [N] or [N, 1]
  std::optional<std::filesystem::path> reference_outputs;  // float outputs [N, ...] (first output)
  EvalMetric metric = EvalMetric::Top1;
  std::int64_t fast_samples = 256;                // evaluate_fast: the first fast_samples
};

struct GenericConfig {
  std::filesystem::path file;              // absolute path of the config file
  std::string quant_config_json;           // QUANT_CONFIG for qtune (primary_metric filled in)
  std::vector<Shape> input_shapes;         // quant_config.input_shape; empty when absent
  std::int64_t batch_size = 32;            // quant_config.batch_size (qtune's default)
  std::vector<std::filesystem::path> calibration;  // one .npy per graph input, [N, ...]
  std::optional<EvaluationConfig> evaluation;
};

// Every path in the result is absolute (relative ones resolve against the file's folder)
// and names an existing file. Errors are qtune::InputError naming the file and the key.
GenericConfig read_generic_config(const std::filesystem::path& file);

}  // namespace qtune::generic_onnx
