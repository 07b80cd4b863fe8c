#pragma once
// ContractHost: loads a model's contract library and calls it defensively. Every
// failure is an Error naming the contract, the function or key, and what was expected.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qtune/batch.h"
#include "qtune/contract.h"
#include "qtune/contract_config.h"
#include "qtune/graph.h"
#include "qtune/model.h"

namespace qtune {

class ContractHost {
 public:
  // Loads the library, checks its ABI, creates the contract, reads and validates its
  // QUANT_CONFIG (relative paths resolved against the contract's base directory).
  ContractHost(const std::filesystem::path& library, std::optional<std::filesystem::path> config_path = {});
  ~ContractHost();

  const std::string& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }
  const ContractConfig& config() const { return config_; }
  const std::string& config_json() const { return config_json_; }

  // Pulls up to `count` batches from the calibration loader (reset first; wraps over
  // epochs like the reference when the loader is shorter). Each batch is checked: one
  // float32 tensor per graph input, rank and trailing dims matching input_shape.
  // With one_epoch, stops at the end of the first epoch instead of wrapping (the analysers
  // read at most one epoch, like esp-ppq's `for batch in loader: ... break`).
  std::vector<Batch> calibration_batches(std::size_t count, bool one_epoch = false);
  // Import + simplify the contract's model with its input shapes. The batch dim stays as
  // the model declares it, so a dynamic batch stays dynamic (any batch size runs).
  Graph load_graph() const;

  bool has_evaluate_fast() const;
  // Calls evaluate / evaluate_fast; checks the metrics are finite and contain
  // primary_metric.
  Metrics evaluate(const Model& model);
  Metrics evaluate_fast(const Model& model);

 private:
  Metrics checked_metrics(const char* function, Metrics metrics) const;
  std::filesystem::path path_;
  std::string name_;
  std::unique_ptr<Contract> contract_;
  ContractConfig config_;
  std::string config_json_;
};

}  // namespace qtune
