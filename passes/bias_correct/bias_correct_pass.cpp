// Pass "bias_correct" (esp-ppq BiasCorrectionPass, reference §3.2): block by block (the
// block partition of §3.6), shifts the float bias of every Conv / ConvTranspose / Gemm so
// that the quantized block's per-channel output mean matches the float block's on the
// quantized block inputs, and keeps the shift only if the block loss does not get worse.
// Only bias VALUES change; the framework re-derives the bias exponents (input + weight)
// after the pass.
//
// The reference runs the whole graph twice per block over the whole calibration set; here
// each op runs once per mode (blocks::ValueCache), plus the re-runs downstream of a kept
// correction, and the three block runs of each block are parallel over batches.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "block_correction.h"
#include "qtune/blocks/block_builder.h"
#include "qtune/blocks/value_cache.h"
#include "qtune/sdk.h"

namespace {

using qtune::OptionSpec;
using qtune::make_option;
using qtune::OptionType;
namespace bc = qtune::bias_correct;
namespace blocks = qtune::blocks;

class BiasCorrectPass final : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    OptionSpec block_size = make_option("block_size", OptionType::Int, std::int64_t{4},
                                   "depth limit of a block (reference §3.6): an end op at most this many ops below "
                                   "its start (1: a computing op and its activation)");
    block_size.min = 1;
    OptionSpec steps = make_option("steps", OptionType::Int, std::int64_t{32},
                              "accepted for the reference's schema and ignored, as in esp-ppq (BiasCorrectionPass "
                              "never passes it on): every calibration batch is used");
    steps.min = 1;
    return {block_size, steps,
            make_option("interested_layers", OptionType::StringList, std::vector<std::string>{},
                   "op names; only blocks containing one of them are corrected ([] = every block)"),
            make_option("collecting_device", OptionType::String, std::string("executor"),
                   "where esp-ppq keeps the block data ('executor', 'cpu', 'cuda'); accepted and ignored: "
                   "qtune keeps it in host memory")};
  }

  qtune::PassStage stage() const override { return qtune::PassStage::BiasCorrection; }
  std::string setting_key() const override { return "bias_correct"; }

  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const int block_size = static_cast<int>(options.get_int("block_size"));
    const std::vector<std::string>& interested = options.get_strings("interested_layers");
    qtune::Graph& graph = context.graph();
    qtune::PassResult result;

    std::vector<std::string> unknown;
    for (const std::string& name : interested)
      if (!graph.find_op(name)) unknown.push_back(name);
    if (!unknown.empty())
      context.log().warn(fmt::format("bias_correct: interested_layers names no op of the graph: {}", fmt::join(unknown, ", ")));

    std::vector<blocks::Block> chosen;
    std::size_t all_blocks = 0;
    for (blocks::Block& b : blocks::build_blocks(graph, block_size, interested)) {
      ++all_blocks;
      if (std::any_of(b.ops.begin(), b.ops.end(), [](const qtune::Op* op) { return bc::has_constant_bias(*op); }))
        chosen.push_back(std::move(b));
    }
    const auto& batches = context.calibration_batches();
    if (chosen.empty() || batches.empty()) {
      const std::string why =
          batches.empty() ? std::string("there are no calibration batches")
          : all_blocks == 0
              ? (interested.empty() ? std::string("the graph has no quantized computing op to start a block")
                                    : fmt::format("interested_layers [{}] selects no block", fmt::join(interested, ", ")))
              : fmt::format("none of the {} block(s) holds a Conv/ConvTranspose/Gemm with a constant bias", all_blocks);
      context.log().warn(fmt::format("bias_correct: nothing corrected: {}", why));
      result.notes.push_back(fmt::format("nothing corrected: {}", why));
      return result;
    }

    const std::unique_ptr<qtune::OpHook> hook = qtune::make_quant_hook();
    blocks::ValueCache qt(graph, batches, context, hook.get());
    blocks::ValueCache fp(context.float_graph(), batches, context, nullptr);
    std::size_t corrected = 0, reverted = 0, done = 0, biases_moved = 0, delta_values = 0;
    double sum_abs_delta = 0, loss_before = 0, loss_after = 0;
    for (const blocks::Block& block : chosen) {
      if (context.stop_requested()) break;
      const bc::BlockOutcome o = bc::correct_block(graph, block, qt, fp, context, *hook);
      ++done;
      for (const std::string& s : o.skipped) context.log().warn(fmt::format("bias_correct: {}; bias left unchanged", s));
      if (o.reverted) ++reverted;
      else if (o.corrected_ops) ++corrected;
      biases_moved += o.corrected_ops;
      delta_values += o.delta_values;
      sum_abs_delta += o.sum_abs_delta;
      loss_before += o.loss_before;
      loss_after += o.loss_after;
      context.log().progress(fmt::format("bias_correct: block [{} -> {}], {} op(s), {} biased: loss {:.6g} -> {:.6g}{}",
                                         block.start->name, block.end->name, block.ops.size(), o.biased_ops,
                                         o.loss_before, o.loss_tried, o.reverted ? " (worse: reverted)" : ""),
                             static_cast<long>(done), static_cast<long>(chosen.size()));
    }

    result.modified = delta_values > 0 && sum_abs_delta > 0;
    result.notes.push_back(fmt::format(
        "{} block(s) with a biased Conv/Gemm of {} (block_size {}{}): {} corrected, {} reverted (loss worse){}",
        chosen.size(), all_blocks, block_size, interested.empty() ? "" : ", interested_layers", corrected, reverted,
        done < chosen.size() ? fmt::format(", stopped after {} (interrupted)", done) : std::string()));
    result.notes.push_back(fmt::format("{} bias(es) changed, mean |delta bias| {:.4g} over {} value(s); summed block "
                                       "loss {:.6g} -> {:.6g}",
                                       biases_moved, delta_values ? sum_abs_delta / static_cast<double>(delta_values) : 0.0,
                                       delta_values, loss_before, loss_after));
    result.notes.push_back(fmt::format("ops run: {} quantized, {} float (a full forward is {} ops)", qt.ops_run(),
                                       fp.ops_run(), graph.op_count()));
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "bias_correct", "1.0.0",
             "bias correction, block by block (esp-ppq BiasCorrectionPass): bias += float - quantized per-channel "
             "output mean, kept only when the block loss does not get worse",
             BiasCorrectPass)
