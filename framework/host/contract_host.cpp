#include "host/contract_host.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "host/contract_config_parser.h"
#include "host/plugin_library.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/error.h"

namespace qtune {
namespace {

// Runs one call into the contract; any exception becomes an Error naming the contract
// and the function, so a user sees whose code failed and where.
template <class F>
auto guarded(const std::string& contract, const char* function, F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception& e) {
    throw Error(fmt::format("contract '{}': {}() failed: {}", contract, function, e.what()));
  } catch (...) {
    throw Error(fmt::format("contract '{}': {}() failed with a non-standard exception", contract, function));
  }
}

void check_batch(const std::string& contract, const ContractConfig& config, std::size_t index, const Batch& batch) {
  const auto where = [&](std::size_t input) {
    return fmt::format("contract '{}': calibration batch {}, input {}", contract, index, input);
  };
  if (batch.size() != config.input_shapes.size())
    throw Error(fmt::format("contract '{}': calibration batch {} has {} tensors, expected {} (one per input_shape "
                            "entry of QUANT_CONFIG)",
                            contract, index, batch.size(), config.input_shapes.size()));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Tensor& t = batch[i];
    const Shape& expected = config.input_shapes[i];
    if (t.dtype() != DType::Float32)
      throw Error(fmt::format("{}: dtype {}, expected float32", where(i), dtype_name(t.dtype())));
    bool same = t.rank() == expected.size() && t.shape()[0] >= 1;
    // Dim 0 is the batch: a last partial batch may be smaller than batch_size.
    for (std::size_t d = 1; same && d < expected.size(); ++d) same = t.shape()[d] == expected[d];
    if (!same)
      throw Error(fmt::format("{}: shape {}, expected [N, ...] matching input_shape {} (N >= 1)", where(i),
                              shape_str(t.shape()), shape_str(expected)));
  }
}

}  // namespace

ContractHost::ContractHost(const std::filesystem::path& library, std::optional<std::filesystem::path> config_path)
    : path_(std::filesystem::absolute(library).lexically_normal()) {
  PluginEntry* entry = open_plugin_library(path_, kPluginEntrySymbol);
  if (!entry)
    throw InputError(fmt::format("{}: not a qtune contract: no '{}' export (did you use QTUNE_CONTRACT?)",
                                 path_.string(), kPluginEntrySymbol));
  const PluginDescriptor* descriptor = entry();
  if (!descriptor) throw InputError(fmt::format("{}: '{}' returned no descriptor", path_.string(), kPluginEntrySymbol));
  if (descriptor->abi_version != kAbiVersion)
    throw InputError(fmt::format("contract library '{}' was built for SDK ABI {}, this host supports {}",
                                 path_.string(), descriptor->abi_version, kAbiVersion));
  const std::string kind = descriptor->kind ? descriptor->kind : "";
  name_ = descriptor->name && *descriptor->name ? descriptor->name : path_.stem().string();
  if (kind != "contract")
    throw InputError(fmt::format("{}: is a {} plugin ('{}'), not a contract (register it with QTUNE_CONTRACT)",
                                 path_.string(), kind, name_));
  if (!descriptor->create) throw InputError(fmt::format("{}: contract '{}' has no factory", path_.string(), name_));

  std::unique_ptr<Plugin> plugin = guarded(name_, "create", [&] { return descriptor->create(); });
  if (!plugin) throw Error(fmt::format("contract '{}': create() returned no object", name_));
  // The kind string says what the object is (conventions: dispatch on kind, not dynamic_cast).
  contract_.reset(static_cast<Contract*>(plugin.release()));

  ContractEnv env{path_, config_path};
  if (env.config_path) env.config_path = std::filesystem::absolute(*env.config_path);
  guarded(name_, "init", [&] { contract_->init(env); });
  config_json_ = guarded(name_, "quant_config", [&] { return contract_->quant_config(); });
  const std::filesystem::path base = guarded(name_, "base_directory", [&] { return contract_->base_directory(); });

  std::string source = fmt::format("contract '{}'", name_);
  if (env.config_path) source += fmt::format(" (config {})", env.config_path->string());
  config_ = parse_contract_config(config_json_, source, base);
}

ContractHost::~ContractHost() = default;

std::vector<Batch> ContractHost::calibration_batches(std::size_t count, bool one_epoch) {
  std::vector<Batch> batches;
  if (count == 0) return batches;
  std::unique_ptr<BatchLoader> loader =
      guarded(name_, "calibration_data", [&] { return contract_->calibration_data(config_); });
  if (!loader) throw Error(fmt::format("contract '{}': calibration_data() returned no loader", name_));
  guarded(name_, "calibration_data().reset", [&] { loader->reset(); });

  // Epochs wrap like the reference (ceil(steps / len) passes over the loader).
  std::size_t in_epoch = 0;
  while (batches.size() < count) {
    std::optional<Batch> batch = guarded(name_, "calibration_data().next", [&] { return loader->next(); });
    if (!batch) {
      if (in_epoch == 0)
        throw Error(fmt::format("contract '{}': calibration_data() loader is empty (next() gave no batch after reset())",
                                name_));
      if (one_epoch) break;
      guarded(name_, "calibration_data().reset", [&] { loader->reset(); });
      in_epoch = 0;
      continue;
    }
    check_batch(name_, config_, batches.size(), *batch);
    batches.push_back(std::move(*batch));
    ++in_epoch;
  }
  return batches;
}

Graph ContractHost::load_graph() const {
  // The batch dim stays as the model declares it (dynamic stays dynamic): constant folding
  // of Shape chains would otherwise pin the calibration batch size into the graph, and
  // evaluate() could not run other batch sizes. Other dims come from input_shape.
  std::vector<Shape> shapes = config_.input_shapes;
  for (Shape& s : shapes)
    if (!s.empty()) s[0] = -1;
  Graph graph = import_onnx(config_.model, ImportOptions{shapes, 0});
  simplify(graph);
  return graph;
}

bool ContractHost::has_evaluate_fast() const {
  return guarded(name_, "has_evaluate_fast", [&] { return contract_->has_evaluate_fast(); });
}

Metrics ContractHost::evaluate(const Model& model) {
  return checked_metrics("evaluate", guarded(name_, "evaluate", [&] { return contract_->evaluate(model); }));
}

Metrics ContractHost::evaluate_fast(const Model& model) {
  if (!has_evaluate_fast())
    throw Error(fmt::format("contract '{}': evaluate_fast() is not provided (has_evaluate_fast() is false)", name_));
  return checked_metrics("evaluate_fast",
                         guarded(name_, "evaluate_fast", [&] { return contract_->evaluate_fast(model); }));
}

Metrics ContractHost::checked_metrics(const char* function, Metrics metrics) const {
  if (metrics.empty()) throw Error(fmt::format("contract '{}': {}() returned no metrics", name_, function));
  for (const auto& [key, value] : metrics) {
    if (std::isnan(value))
      throw Error(fmt::format("contract '{}': {}() returned NaN for metric '{}'", name_, function, key));
    if (std::isinf(value))
      throw Error(fmt::format("contract '{}': {}() returned {} for metric '{}'", name_, function,
                              value > 0 ? "inf" : "-inf", key));
  }
  if (!metrics.count(config_.primary_metric)) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : metrics) keys.push_back(key);
    throw Error(fmt::format("contract '{}': {}() returned no primary_metric '{}'; it returned: {}", name_, function,
                            config_.primary_metric, fmt::join(keys, ", ")));
  }
  return metrics;
}

}  // namespace qtune
