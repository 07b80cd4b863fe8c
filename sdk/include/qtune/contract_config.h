#pragma once
// ContractConfig: a contract's QUANT_CONFIG, parsed and validated by the framework.
// The keys and defaults follow the reference workflow's contract (docs/contract_guide.md).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "qtune/tensor.h"

namespace qtune {

struct ContractConfig {
  std::filesystem::path model;           // "model": ONNX file, absolute after loading
  std::string model_name;                // "model_name": default = model file stem
  std::vector<Shape> input_shapes;       // "input_shape": one shape per graph input, dim 0 = batch
  std::int64_t batch_size = 32;          // "batch_size": batch for calibration and analysis
  std::string target = "esp32p4";        // "target": esp32p4, esp32s3, c, ...
  int num_of_bits = 8;                   // "num_of_bits": 8 or 16
  std::int64_t calib_steps = 32;         // "calib_steps": calibration batches (2..5000)
  std::string primary_metric;            // "primary_metric": key of evaluate()'s result
  std::string metric_direction = "max";  // "metric_direction": "max" or "min"
  std::optional<double> target_metric;   // "target_metric": stop when reached
  std::int64_t analyse_steps = 8;        // "analyse_steps"
  std::int64_t top_k_layers = 20;        // "top_k_layers"
  std::int64_t non_computing_top_k = 10; // "non_computing_top_k"
  double graphwise_intervening_excess_threshold = 0.02;
  std::string deploy_runtime_priority = "balanced";  // "balanced" | "speed" | "pc_time"
};

}  // namespace qtune
