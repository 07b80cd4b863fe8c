#pragma once
// Analyser: measures where quantization error comes from and writes artifacts
// (layerwise_error.json, graphwise_error.json, layer_stats*.json, ...).
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qtune/artifacts.h"
#include "qtune/batch.h"
#include "qtune/contract_config.h"
#include "qtune/executor.h"
#include "qtune/graph.h"
#include "qtune/log.h"
#include "qtune/options.h"
#include "qtune/plugin.h"

namespace qtune {

class BOOST_SYMBOL_VISIBLE AnalysisContext {
 public:
  virtual ~AnalysisContext();
  // The quantized graph (float weights, TensorQuantConfig on its variables).
  virtual const Graph& graph() const = 0;
  virtual const ContractConfig& config() const = 0;
  // The batches to analyse: the first analyse_steps + 1 batches of one epoch of the
  // contract's calibration loader, or the whole epoch when it is shorter (esp-ppq's
  // analysers break after batch index `steps`).
  virtual const std::vector<Batch>& analysis_batches() = 0;
  // The float reference (original float parameters, before any training pass changed
  // graph()'s): esp-ppq's "dequantize" runs on these values.
  virtual const Graph& float_graph() const = 0;
  // An executor over `graph` (which must outlive it). Quantized runs use
  // make_quant_hook() from qtune/quant_graph.h, filtered to the ops to quantize.
  virtual std::unique_ptr<Executor> make_executor(const Graph& graph) const = 0;
  // The iteration's folder: analysers write their artifacts here and may read the
  // artifacts of analysers that ran before them (see Analyser::depends_on).
  virtual ArtifactStore& artifacts() = 0;
  virtual Log& log() = 0;
  // Runs body(0) .. body(n - 1), in parallel on the framework's thread pool (plugins do
  // not link TBB). Tasks may run executors (they parallelise inside as well); the call
  // returns when all are done and rethrows the first exception a task threw.
  virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) = 0;
};

class BOOST_SYMBOL_VISIBLE Analyser : public Plugin {
 public:
  ~Analyser() override;
  // Names of analysers whose artifacts this one reads; they run first.
  virtual std::vector<std::string> depends_on() const { return {}; }
  virtual void analyse(AnalysisContext& context, const OptionValues& options) = 0;
};

}  // namespace qtune
