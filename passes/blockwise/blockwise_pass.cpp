// Pass "blockwise" (setting key blockwise_reconstruction; esp-ppq AdaroundPass, reference
// §3.7): block by block (§3.6 partition), learns how to round each weight of the block's
// computing ops (Conv, Gemm, MatMul) — up or down from floor(W/s), s the weight's stored
// power-of-two scale — so the block's quantized outputs approach the float model's
// (AdaRound, Nagel et al. 2020). Per weight a rounding variable V trains with Adam through
// the soft rounding h(V); the loss adds the rounding regulariser that pushes h(V) to 0 or 1
// after a warm-up. At the end the hard rounding (h ≥ 0.5 → up) is written back as the float
// weights, exactly on the grid, so the unchanged weight exponents reproduce it. A block
// whose loss over the calibration batches got worse is reverted. Runs after tqt when both
// are enabled (order_in_stage).
//
// The training is the framework's (PassContext::make_block_trainer with learn_rounding,
// qtune/training.h). Differences from esp-ppq:
// * the regulariser is active as the AdaRound paper defines it; esp-ppq's never activates
//   (its step index is clobbered, §3.7). reference_regulariser: true reproduces that
//   (loss = output MSE only);
// * the float targets come from the float model (as tqt);
// * esp-ppq's LSQ weight-scale pre-fit is a no-op under POWER_OF_2 and is not done;
// * is_scale_trainable (forced false on ESP-DL targets, whose scales are POWER_OF_2) trains
//   the log2-scales of the block's other calibrated configs as tqt does, not LSQ scales;
// * a block holding an op without a gradient is skipped with a warning; Ctrl-C stops
//   between steps and drops the block in progress (earlier blocks stay trained).

#include <fmt/format.h>

#include "qtune/blocks/block_training.h"
#include "qtune/blocks/training_options.h"
#include "qtune/error.h"
#include "qtune/fake_quant.h"
#include "qtune/sdk.h"

namespace {

using qtune::make_option;
using qtune::OptionType;

// Weight of the rounding regulariser per unit of `gamma` (esp-ppq AdaroundRegTerm alpha,
// the AdaRound paper's λ = 0.01).
constexpr double kRegulariserWeight = 0.01;
// Regulariser schedule (AdaRound paper / esp-ppq): off for the first 20 % of the steps, then
// β annealed from 20 to 2.
constexpr double kWarmup = 0.2;
constexpr double kBetaStart = 20.0;
constexpr double kBetaEnd = 2.0;

class BlockwisePass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    using T = OptionType;
    return {
        make_option("lr", T::Float, 1e-3, "Adam learning rate of the rounding variables", 0.0, 1.0),
        qtune::blocks::steps_option(5000),
        qtune::blocks::block_size_option(),
        make_option("gamma", T::Float, 1.0,
               "weight of the rounding regulariser: the loss adds gamma · 0.01 · Σ(1 − |2h(V) − 1|^β) after the "
               "warm-up (20 % of the steps), β annealed from 20 to 2",
               0.0),
        make_option("is_scale_trainable", T::Bool, false,
               "also train the log2-scales of the block's other calibrated exponents (as tqt); forced false on "
               "ESP-DL targets (POWER_OF_2), as esp-ppq's LSQ scales cannot train there"),
        qtune::blocks::collecting_device_option(),
        qtune::blocks::interested_layers_option(),
        make_option("reference_regulariser", T::Bool, false,
               "reproduce esp-ppq exactly: its regulariser never activates (the step index it reads is clobbered), so "
               "the loss is the block output MSE only; false: the AdaRound regulariser as the paper defines it"),
    };
  }

  qtune::PassStage stage() const override { return qtune::PassStage::Training; }
  // esp-ppq's order within training: LSQ, TQT (20), then blockwise reconstruction.
  int order_in_stage() const override { return 30; }
  std::string setting_key() const override { return "blockwise_reconstruction"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const auto steps = static_cast<std::size_t>(options.get_int("steps"));
    qtune::Graph& graph = context.graph();
    const std::vector<qtune::blocks::Block> blocks = qtune::blocks::training_blocks(
        context, setting_key(), static_cast<int>(options.get_int("block_size")), options.get_strings("interested_layers"));

    qtune::BlockTrainingSpec spec;
    spec.train_scales = options.get_bool("is_scale_trainable");
    spec.learning_rate = options.get_float("lr");
    spec.learn_rounding = true;
    spec.rounding_lambda = kRegulariserWeight * options.get_float("gamma");
    spec.rounding_steps = steps;
    spec.rounding_warmup = kWarmup;
    spec.rounding_beta_start = kBetaStart;
    spec.rounding_beta_end = kBetaEnd;
    spec.reference_regulariser = options.get_bool("reference_regulariser");

    std::size_t weights = 0, flipped = 0;
    // The weights as they stand before a block trains, to count the roundings that flip.
    std::vector<std::pair<std::string, qtune::Tensor>> before;
    qtune::blocks::BlockTrainingHooks hooks;
    hooks.setting_key = setting_key();
    hooks.tag = "blockwise";
    hooks.trainable = [](const qtune::BlockTrainingInfo& info) { return info.roundings + info.scales > 0; };
    hooks.describe = [](const qtune::BlockTrainingInfo& info) {
      return fmt::format("{} weight(s) ({} values), {} scale(s)", info.roundings, info.rounding_values, info.scales);
    };
    hooks.before = [&](const qtune::BlockTrainingSpec& block) {
      before.clear();
      for (const std::string& name : block.ops)
        for (const qtune::Variable* v : graph.op(name).inputs)
          if (v && !v->producer && v->value) before.emplace_back(v->name, *v->value);
    };
    hooks.commit = [&](qtune::BlockTrainer& trainer, const qtune::BlockTrainingInfo& info) {
      trainer.commit();
      weights += info.roundings;
      std::size_t changed = 0;
      for (const auto& [name, old] : before) {
        const qtune::Variable& v = graph.variable(name);
        if (!v.quant || v.quant->state != qtune::QuantState::Calibrated || v.value->numel() != old.numel()) continue;
        const std::vector<std::int64_t> was = qtune::quantize_to_int(old, *v.quant);
        const std::vector<std::int64_t> now = qtune::quantize_to_int(*v.value, *v.quant);
        for (std::size_t i = 0; i < now.size(); ++i) changed += now[i] != was[i];
      }
      flipped += changed;
      return fmt::format("{} rounding(s) changed", changed);
    };
    const auto s = qtune::blocks::train_blocks(context, blocks, spec, steps, hooks);
    qtune::PassResult result;
    result.modified = s.kept > 0;
    result.notes.push_back(fmt::format(
        "{} block(s): {} trained, {} reverted (loss got worse), {} skipped; {} weight tensor(s) re-rounded, {} "
        "rounding(s) changed; Σ block loss {:.6g} -> {:.6g}; regulariser {}{}",
        blocks.size(), s.kept, s.reverted, s.skipped, weights, flipped, s.loss_before, s.loss_after,
        spec.reference_regulariser ? "off (reference_regulariser: esp-ppq's behaviour)" : "AdaRound (paper form)",
        s.stopped ? "; stopped early" : ""));
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "blockwise", "1.0.0",
             "Blockwise reconstruction: AdaRound learned weight rounding per block (esp-ppq AdaroundPass)", BlockwisePass)
