#pragma once
// The block-by-block training loop TQT and blockwise reconstruction share (reference
// §3.4): for each block, a trainer from the framework, `steps` Adam steps with progress
// lines, then keep the block when its loss did not get worse (commit) or revert it (drop
// the trainer); Ctrl-C stops between steps and leaves that block untouched. The passes
// differ only in the spec they hand over, which blocks have anything to train, and what
// they report after a commit.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "qtune/blocks/block_builder.h"
#include "qtune/pass.h"
#include "qtune/training.h"

namespace qtune::blocks {

// The blocks of `graph` for a training pass: esp-ppq's partition with `block_size`,
// restricted to `interested_layers` (a name the graph lacks is warned about, naming the
// pass's setting key).
std::vector<Block> training_blocks(PassContext& context, const std::string& setting_key, int block_size,
                                   const std::vector<std::string>& interested_layers);

struct BlockTrainingHooks {
  std::string setting_key;   // "tqt_optimization": prefix of warnings
  std::string tag;           // "tqt": prefix of progress and per-block lines
  // Whether the block has anything to train (else it is skipped).
  std::function<bool(const BlockTrainingInfo&)> trainable;
  // What the trainer holds, for the per-block line: "3 parameter tensor(s), 2 scale(s)".
  std::function<std::string(const BlockTrainingInfo&)> describe;
  // Called right before training a block (e.g. to snapshot its weights).
  std::function<void(const BlockTrainingSpec&)> before;
  // Commits the trained block and says what changed: "5 exponent(s) changed".
  std::function<std::string(BlockTrainer&, const BlockTrainingInfo&)> commit;
};

struct BlockTrainingSummary {
  std::size_t kept = 0, reverted = 0, skipped = 0;
  double loss_before = 0.0, loss_after = 0.0;   // Σ block loss over trained blocks
  bool stopped = false;                          // Ctrl-C
};

BlockTrainingSummary train_blocks(PassContext& context, const std::vector<Block>& blocks, BlockTrainingSpec spec,
                                  std::size_t steps, const BlockTrainingHooks& hooks);

// TQT and LSQ: train every block's weights, biases and (per spec) scales, commit a block
// whose loss did not get worse, and sum it up in one note. `tag` prefixes the progress lines
// ("tqt"); `scales_noun` names what the trainer's commit counts and what spec.train_* trains
// ("exponent" for TQT's log2-scales, "scale value" for LSQ's linear scales).
PassResult train_weights_and_scales(PassContext& context, const std::string& setting_key, const std::string& tag,
                                    const std::vector<Block>& blocks, const BlockTrainingSpec& spec, std::size_t steps,
                                    const std::string& scales_noun);

}  // namespace qtune::blocks
