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
#include "qtune/quant_config.h"
#include "qtune/training.h"

namespace qtune {

// Where a pass runs in one iteration (esp-ppq's order, reference §1.7). Passes of one
// stage run in the order of Pass::order_in_stage(). The framework itself quantizes the
// graph (Fusion) and drives calibration (Calibration: the CalibrationAlgorithm plugins),
// and re-derives passive configs (bias = input + weight exponent) after every pass of the
// Alignment, BiasCorrection and Training stages.
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

// The ESP-DL target as a pass needs it (framework/quant/target_policy.h is the full policy).
struct TargetInfo {
  std::string target;                  // "esp32p4", "esp32s3", "c", ..., "linear"
  int bits = 8;                        // global data bits (QUANT_CONFIG num_of_bits)
  bool per_channel_weights = false;    // PIE V2 targets (esp32p4) and linear: per-output-channel weights
  bool power_of_2 = true;              // every ESP-DL target: scale = 2^exponent; false: "linear" (float scales)
  Rounding rounding = Rounding::HalfEven;
};

// What a pass sees. Implemented by the framework (framework/run/pass_context.h).
//
// graph() is the graph the iteration quantizes. PreQuantize passes see it float (no
// configs yet) and may change its structure; later passes see it quantized and change
// configs (qtune/quant_graph.h) and parameter values, not its structure.
class BOOST_SYMBOL_VISIBLE PassContext {
 public:
  virtual ~PassContext();
  virtual Graph& graph() = 0;
  // The float reference: the graph after the PreQuantize passes, before quantization, with
  // its original float parameters (training passes change graph()'s, never these). During
  // PreQuantize it is the graph as the previous pass left it.
  virtual const Graph& float_graph() const = 0;
  virtual const ContractConfig& config() const = 0;
  virtual const TargetInfo& target() const = 0;
  // The calibration batches (calib_steps of them), loaded once and shared by all passes.
  virtual const std::vector<Batch>& calibration_batches() = 0;
  // An executor over `graph` (which must outlive it); rebuild after a structural change.
  // Run it with make_quant_hook() (qtune/quant_graph.h) to execute the quantized graph.
  virtual std::unique_ptr<Executor> make_executor(const Graph& graph) const = 0;
  // Messages; log().warn() lines are recorded in iteration_index.json.
  virtual Log& log() = 0;
  // True once the user asked to stop (Ctrl-C): a long pass returns early, leaving the graph
  // valid; the iteration is then recorded as interrupted.
  virtual bool stop_requested() const { return false; }
  // A trainer for one block of graph() (qtune/training.h): collects the block's data over
  // calibration_batches() now. Throws qtune::Error naming the op when the block holds an op
  // the framework cannot differentiate (the pass may skip that block).
  virtual std::unique_ptr<BlockTrainer> make_block_trainer(const BlockTrainingSpec& spec) = 0;
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
