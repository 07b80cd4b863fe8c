#include "qtune/blocks/block_training.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/log.h"

namespace qtune::blocks {
namespace {

constexpr std::size_t kProgressLinesPerBlock = 5;

}  // namespace

std::vector<Block> training_blocks(PassContext& context, const std::string& setting_key, int block_size,
                                   const std::vector<std::string>& interested_layers) {
  Graph& graph = context.graph();
  for (const std::string& name : interested_layers)
    if (!graph.find_op(name))
      context.log().warn(fmt::format("{}.interested_layers: no op '{}' in the graph (names are listed in "
                                     "simplified_ops.json)",
                                     setting_key, name));
  return build_blocks(graph, block_size, interested_layers);
}

BlockTrainingSummary train_blocks(PassContext& context, const std::vector<Block>& blocks, BlockTrainingSpec spec,
                                  std::size_t steps, const BlockTrainingHooks& hooks) {
  Log& log = context.log();
  BlockTrainingSummary summary;
  const std::size_t every = std::max<std::size_t>(1, steps / kProgressLinesPerBlock);
  for (std::size_t k = 0; k < blocks.size() && !summary.stopped; ++k) {
    const Block& block = blocks[k];
    const std::string label =
        fmt::format("block {}/{} [{} -> {}]", k + 1, blocks.size(), block.start->name, block.end->name);
    const auto t0 = std::chrono::steady_clock::now();
    spec.ops.clear();
    for (const Op* op : block.ops) spec.ops.push_back(op->name);
    std::unique_ptr<BlockTrainer> trainer;
    try {
      trainer = context.make_block_trainer(spec);
    } catch (const InputError&) {
      throw;
    } catch (const Error& e) {
      log.warn(fmt::format("{}: {} skipped: {}", hooks.setting_key, label, e.what()));
      ++summary.skipped;
      continue;
    }
    const BlockTrainingInfo& info = trainer->info();
    if (!hooks.trainable(info)) {
      ++summary.skipped;
      continue;
    }
    if (hooks.before) hooks.before(spec);
    const double pre = trainer->loss();
    for (std::size_t s = 0; s < steps; ++s) {
      if (context.stop_requested()) {
        summary.stopped = true;
        break;
      }
      const double loss = trainer->step(s);
      if ((s + 1) % every == 0 || s + 1 == steps)
        log.progress(fmt::format("{} {} step loss {:.6g}", hooks.tag, label, loss), static_cast<long>(s + 1),
                     static_cast<long>(steps));
    }
    if (summary.stopped) {
      log.warn(fmt::format("{}: stopped during {}; that block is left as it was, earlier blocks stay trained",
                           hooks.setting_key, label));
      break;
    }
    const double post = trainer->loss();
    summary.loss_before += pre;
    std::string verdict = "worse: reverted";
    if (post > pre) {
      ++summary.reverted;
      summary.loss_after += pre;
    } else {
      verdict = "kept, " + hooks.commit(*trainer, info);
      ++summary.kept;
      summary.loss_after += post;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log.info(fmt::format("{} {}: {} op(s), {}, {} batch(es); block loss {:.6g} -> {:.6g} ({}); {:.2f} s", hooks.tag,
                         label, spec.ops.size(), hooks.describe(info), info.batches, pre, post, verdict, seconds));
  }
  return summary;
}

PassResult train_weights_and_scales(PassContext& context, const std::string& setting_key, const std::string& tag,
                                    const std::vector<Block>& blocks, const BlockTrainingSpec& spec, std::size_t steps,
                                    const std::string& scales_noun) {
  std::size_t changed_total = 0;
  BlockTrainingHooks hooks;
  hooks.setting_key = setting_key;
  hooks.tag = tag;
  hooks.trainable = [](const BlockTrainingInfo& info) { return info.parameters + info.scales > 0; };
  hooks.describe = [](const BlockTrainingInfo& info) {
    return fmt::format("{} parameter tensor(s), {} scale(s)", info.parameters, info.scales);
  };
  hooks.commit = [&](BlockTrainer& trainer, const BlockTrainingInfo&) {
    const std::size_t changed = trainer.commit();
    changed_total += changed;
    return fmt::format("{} {}(s) changed", changed, scales_noun);
  };
  const BlockTrainingSummary s = train_blocks(context, blocks, spec, steps, hooks);
  PassResult result;
  result.modified = s.kept > 0;
  result.notes.push_back(fmt::format(
      "{} block(s): {} trained, {} reverted (loss got worse), {} skipped; {} {}(s) changed; Σ block loss "
      "{:.6g} -> {:.6g}{}",
      blocks.size(), s.kept, s.reverted, s.skipped, changed_total, scales_noun, s.loss_before, s.loss_after,
      s.stopped ? "; stopped early" : ""));
  return result;
}

}  // namespace qtune::blocks
