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
#include <chrono>

#include <fmt/format.h>

#include "qtune/blocks/block_builder.h"
#include "qtune/error.h"
#include "qtune/sdk.h"

namespace {

using qtune::OptionSpec;
using qtune::OptionType;

// About this many progress lines per block.
constexpr std::size_t kProgressLinesPerBlock = 5;

OptionSpec option(std::string name, OptionType type, qtune::OptionValue fallback, std::string doc,
                  std::optional<double> min = {}, std::optional<double> max = {}) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(fallback);
  s.doc = std::move(doc);
  s.min = min;
  s.max = max;
  return s;
}

class TqtPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    using T = OptionType;
    return {
        option("lr", T::Float, 1e-5, "Adam learning rate (weights and log2-scales alike)", 0.0, 1.0),
        option("steps", T::Int, std::int64_t{500}, "Adam steps per block, one calibration batch per step (cycling)", 1.0),
        option("block_size", T::Int, std::int64_t{4}, "how deep below its first computing op a block may reach (§3.6)", 1.0),
        option("is_scale_trainable", T::Bool, true,
               "train the log2-scale of every calibrated exponent in the block; false: weights and biases only"),
        option("gamma", T::Float, 0.0, "weight of Σ MSE(W, quantized W) over the block's computing ops in the loss", 0.0),
        option("int_lambda", T::Float, 0.0, "weight of Σ mean((α − round α)²) over the trained log2-scales in the loss", 0.0),
        option("collecting_device", T::String, std::string("cuda"),
               "accepted for esp-ppq compatibility and ignored: qtune trains on the CPU and keeps the block data in "
               "memory"),
        option("interested_layers", T::StringList, std::vector<std::string>{},
               "train only the blocks holding one of these ops (names from simplified_ops.json); empty: every block"),
    };
  }

  qtune::PassStage stage() const override { return qtune::PassStage::Training; }
  // esp-ppq's order within training: LSQ, TQT, then blockwise reconstruction (AdaRound).
  int order_in_stage() const override { return 20; }
  std::string setting_key() const override { return "tqt_optimization"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const auto steps = static_cast<std::size_t>(options.get_int("steps"));
    const auto& layers = options.get_strings("interested_layers");
    qtune::Graph& graph = context.graph();
    qtune::Log& log = context.log();
    for (const std::string& name : layers)
      if (!graph.find_op(name))
        log.warn(fmt::format("tqt_optimization.interested_layers: no op '{}' in the graph (names are listed in "
                             "simplified_ops.json)",
                             name));
    const std::vector<qtune::blocks::Block> blocks =
        qtune::blocks::build_blocks(graph, static_cast<int>(options.get_int("block_size")), layers);

    qtune::BlockTrainingSpec spec;
    spec.train_scales = options.get_bool("is_scale_trainable");
    spec.learning_rate = options.get_float("lr");
    spec.gamma = options.get_float("gamma");
    spec.int_lambda = options.get_float("int_lambda");

    qtune::PassResult result;
    std::size_t kept = 0, reverted = 0, skipped = 0, exponents = 0;
    double loss_before = 0.0, loss_after = 0.0;
    const std::size_t every = std::max<std::size_t>(1, steps / kProgressLinesPerBlock);
    bool stopped = false;
    for (std::size_t k = 0; k < blocks.size() && !stopped; ++k) {
      const qtune::blocks::Block& block = blocks[k];
      const std::string label =
          fmt::format("block {}/{} [{} -> {}]", k + 1, blocks.size(), block.start->name, block.end->name);
      const auto t0 = std::chrono::steady_clock::now();
      spec.ops.clear();
      for (const qtune::Op* op : block.ops) spec.ops.push_back(op->name);
      std::unique_ptr<qtune::BlockTrainer> trainer;
      try {
        trainer = context.make_block_trainer(spec);
      } catch (const qtune::InputError&) {
        throw;
      } catch (const qtune::Error& e) {
        log.warn(fmt::format("tqt_optimization: {} skipped: {}", label, e.what()));
        ++skipped;
        continue;
      }
      const qtune::BlockTrainingInfo& info = trainer->info();
      if (info.parameters + info.scales == 0) {
        ++skipped;
        continue;
      }
      const double pre = trainer->loss();
      double last = pre;
      for (std::size_t s = 0; s < steps; ++s) {
        if (context.stop_requested()) {
          stopped = true;
          break;
        }
        last = trainer->step(s);
        if ((s + 1) % every == 0 || s + 1 == steps)
          log.progress(fmt::format("tqt {} step loss {:.6g}", label, last), static_cast<long>(s + 1),
                       static_cast<long>(steps));
      }
      if (stopped) {
        log.warn(fmt::format("tqt_optimization: stopped during {}; that block is left as it was, earlier blocks stay "
                             "trained",
                             label));
        break;
      }
      const double post = trainer->loss();
      loss_before += pre;
      std::size_t changed = 0;
      if (post > pre) {
        ++reverted;
        loss_after += pre;
      } else {
        changed = trainer->commit();
        exponents += changed;
        ++kept;
        loss_after += post;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      log.info(fmt::format("tqt {}: {} op(s), {} parameter tensor(s), {} scale(s), {} batch(es); block loss {:.6g} -> "
                           "{:.6g} ({}); {:.2f} s",
                           label, spec.ops.size(), info.parameters, info.scales, info.batches, pre, post,
                           post > pre ? "worse: reverted" : fmt::format("kept, {} exponent(s) changed", changed),
                           seconds));
    }
    result.modified = kept > 0;
    result.notes.push_back(fmt::format(
        "{} block(s): {} trained, {} reverted (loss got worse), {} skipped; {} exponent(s) changed; Σ block loss "
        "{:.6g} -> {:.6g}{}",
        blocks.size(), kept, reverted, skipped, exponents, loss_before, loss_after, stopped ? "; stopped early" : ""));
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "tqt", "1.0.0",
             "TQT: block-wise training of weights and power-of-two log2-scales (esp-ppq TrainedQuantizationThresholdPass)",
             TqtPass)
