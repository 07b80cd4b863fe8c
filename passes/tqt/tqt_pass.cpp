// Pass "tqt" (setting key tqt_optimization; esp-ppq TrainedQuantizationThresholdPass,
// reference §3.4): block by block (§3.6 partition), trains the block's weights and biases
// and the log2-scale α of every exponent calibrated in the block with Adam, so the block's
// quantized outputs approach the float model's; exponents stay integers (the forward uses
// round(α), gradients pass straight through) and become round(α) at the end. A block whose
// loss over the calibration batches got worse is reverted. The framework re-derives the
// passive exponents (bias = input + weight) after the pass.
//
// The training itself is the framework's (PassContext::make_block_trainer, qtune/training.h):
// this plugin partitions, schedules, reports and decides. Differences from esp-ppq:
// the float targets come from the float model (float_graph()), not from the quantized
// graph with its current (possibly already trained) parameters dequantized, so every block
// trains toward the real float outputs; a block holding an op without a gradient is skipped
// with a warning instead of failing the run; Ctrl-C stops between steps and drops the
// block in progress (earlier blocks stay trained).

#include <fmt/format.h>

#include "qtune/blocks/block_training.h"
#include "qtune/blocks/training_options.h"
#include "qtune/error.h"
#include "qtune/sdk.h"

namespace {

using qtune::make_option;
using qtune::OptionType;

class TqtPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    using T = OptionType;
    return {
        make_option("lr", T::Float, 1e-5, "Adam learning rate (weights and log2-scales alike)", 0.0, 1.0),
        qtune::blocks::steps_option(500),
        qtune::blocks::block_size_option(),
        make_option("is_scale_trainable", T::Bool, true,
               "train the log2-scale of every calibrated exponent in the block; false: weights and biases only"),
        make_option("gamma", T::Float, 0.0, "weight of Σ MSE(W, quantized W) over the block's computing ops in the loss", 0.0),
        make_option("int_lambda", T::Float, 0.0, "weight of Σ mean((α − round α)²) over the trained log2-scales in the loss", 0.0),
        qtune::blocks::collecting_device_option(),
        qtune::blocks::interested_layers_option(),
    };
  }

  qtune::PassStage stage() const override { return qtune::PassStage::Training; }
  // esp-ppq's order within training: LSQ, TQT, then blockwise reconstruction (AdaRound).
  int order_in_stage() const override { return 20; }
  std::string setting_key() const override { return "tqt_optimization"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const std::vector<qtune::blocks::Block> blocks = qtune::blocks::training_blocks(
        context, setting_key(), static_cast<int>(options.get_int("block_size")), options.get_strings("interested_layers"));
    qtune::BlockTrainingSpec spec;
    spec.train_scales = options.get_bool("is_scale_trainable");
    spec.learning_rate = options.get_float("lr");
    spec.gamma = options.get_float("gamma");
    spec.int_lambda = options.get_float("int_lambda");

    return qtune::blocks::train_weights_and_scales(context, setting_key(), "tqt", blocks, spec,
                                                   static_cast<std::size_t>(options.get_int("steps")), "exponent");
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "tqt", "1.0.0",
             "TQT: block-wise training of weights and power-of-two log2-scales (esp-ppq TrainedQuantizationThresholdPass)",
             TqtPass)
