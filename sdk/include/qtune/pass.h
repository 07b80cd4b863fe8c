#pragma once
// Pass: one quantization pass (a calibration algorithm, equalization, bias correction,
// TQT, ...). A pass declares the setting block it owns and its pipeline stage; the
// framework composes the pipeline from setting.json and calls run() in stage order.
#include <memory>
#include <string>
#include <vector>

#include "qtune/batch.h"
#include "qtune/contract_config.h"
#include "qtune/executor.h"
#include "qtune/graph.h"
#include "qtune/log.h"
#include "qtune/options.h"
#include "qtune/plugin.h"

namespace qtune {

// Where a pass runs in one iteration (esp-ppq's order, reference §1.7). Passes of one
// stage run in the order of Pass::order_in_stage().
enum class PassStage : int {
  PreQuantize = 100,     // float-graph rewrites: weight split, equalization
  Fusion = 200,          // exponent sharing (activation fusion, passive ops)
  Calibration = 300,     // activation/weight exponents from data
  Alignment = 400,       // Add/Concat/Pool/Resize exponent alignment
  BiasCorrection = 500,
  Training = 600,        // LSQ, TQT, blockwise reconstruction
  Finalize = 700,        // baking, export preparation
};
const char* pass_stage_name(PassStage stage);

// What a pass sees. Implemented by the framework.
class BOOST_SYMBOL_VISIBLE PassContext {
 public:
  virtual ~PassContext();
  virtual Graph& graph() = 0;
  // The unmodified float graph as imported and simplified (reference for losses).
  virtual const Graph& float_graph() const = 0;
  virtual const ContractConfig& config() const = 0;
  // The calibration batches (calib_steps of them), loaded once and shared by all passes.
  virtual const std::vector<Batch>& calibration_batches() = 0;
  // An executor over `graph`; rebuild after changing the graph's structure.
  virtual std::unique_ptr<Executor> make_executor(const Graph& graph) const = 0;
  // Hook that fake-quantizes every active TensorQuantConfig of `graph` (next milestone).
  virtual std::unique_ptr<OpHook> make_quant_hook(const Graph& graph) const = 0;
  virtual Log& log() = 0;
};

struct PassResult {
  bool modified = false;                 // did the graph or any config change?
  std::vector<std::string> notes;        // one-line facts for the iteration record
};

class BOOST_SYMBOL_VISIBLE Pass : public Plugin {
 public:
  ~Pass() override;
  virtual PassStage stage() const = 0;
  virtual int order_in_stage() const { return 0; }
  // The setting.json key whose block configures this pass ("equalization", ...).
  // Calibration passes own a value of "calib_algorithm" instead and return "".
  virtual std::string setting_key() const = 0;
  virtual PassResult run(PassContext& context, const OptionValues& options) = 0;
};

}  // namespace qtune
