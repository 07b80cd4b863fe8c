// Pass "lsq" (setting key lsq_optimization; esp-ppq LearnedStepSizePass, reference §3.5):
// block by block (§3.6 partition), trains the block's weights and biases and — on a target
// whose scales are not powers of two (qtune's "linear" target) and with is_scale_trainable —
// the float scale of every config calibrated in the block, with Adam, so the block's
// quantized outputs approach the float model's. The scale trains as LSQ defines it: the
// forward uses |s|; ∂q/∂s = round(x/s) − x/s inside the range, qmin/qmax where it clamps,
// scaled by 1/√(numel·qmax). A block whose loss over the calibration batches got worse is
// reverted; the framework re-derives the passive scales (bias = input × weight) afterwards.
//
// On every ESP-DL target (POWER_OF_2) the setting validation disables this pass with a
// warning before it runs, as the reference does (its scales could not train; tqt is the
// POWER_OF_2 pass). Run anyway on power-of-two configs, only weights and biases would train.
// The loop (data per block, progress, keep or revert, Ctrl-C) is tqt's, from
// passes/block_common; only the spec differs: no int_lambda term, linear scales instead of
// log2-scales.

#include <fmt/format.h>

#include "qtune/blocks/block_training.h"
#include "qtune/blocks/training_options.h"
#include "qtune/error.h"
#include "qtune/sdk.h"

namespace {

using qtune::make_option;
using qtune::OptionType;

class LsqPass final : public qtune::Pass {
 public:
  // Defaults: esp-ppq's LSQSetting (reference §3.5, esp_ppq/api/setting.py).
  static qtune::OptionSchema option_schema() {
    using T = OptionType;
    return {
        make_option("lr", T::Float, 1e-5, "Adam learning rate (weights, biases and linear scales alike)", 0.0, 1.0),
        qtune::blocks::steps_option(500),
        qtune::blocks::block_size_option(),
        make_option("gamma", T::Float, 0.0,
                    "weight of Σ MSE(W, quantized W) over the block's computing ops in the loss (W's stored scale)", 0.0),
        make_option("is_scale_trainable", T::Bool, true,
                    "train the linear scale of every calibrated config in the block (only where scales are not powers "
                    "of two: the linear target); false: weights and biases only"),
        qtune::blocks::collecting_device_option(),
        qtune::blocks::interested_layers_option(),
    };
  }

  qtune::PassStage stage() const override { return qtune::PassStage::Training; }
  // esp-ppq's order within training: LSQ, TQT (20), then blockwise reconstruction (30).
  int order_in_stage() const override { return 10; }
  std::string setting_key() const override { return "lsq_optimization"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const std::vector<qtune::blocks::Block> blocks = qtune::blocks::training_blocks(
        context, setting_key(), static_cast<int>(options.get_int("block_size")), options.get_strings("interested_layers"));
    qtune::BlockTrainingSpec spec;
    spec.train_scales = false;  // power-of-two log2-scales are tqt's
    spec.train_linear_scales = options.get_bool("is_scale_trainable");
    spec.learning_rate = options.get_float("lr");
    spec.gamma = options.get_float("gamma");
    spec.int_lambda = 0.0;

    return qtune::blocks::train_weights_and_scales(context, setting_key(), "lsq", blocks, spec,
                                                   static_cast<std::size_t>(options.get_int("steps")), "scale value");
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "lsq", "1.0.0",
             "LSQ: block-wise training of weights and linear (non-power-of-two) scales (esp-ppq LearnedStepSizePass)",
             LsqPass)
