#pragma once
// One block of esp-ppq's BiasCorrectionPass.correct_bias (reference §3.2).
#include <cstddef>
#include <string>
#include <vector>

#include "qtune/blocks/block_builder.h"
#include "qtune/blocks/value_cache.h"
#include "qtune/executor.h"
#include "qtune/graph.h"
#include "qtune/pass.h"

namespace qtune::bias_correct {

// Conv / ConvTranspose / Gemm with three inputs, the last a constant float32 tensor
// (esp-ppq: op_check, bias_check, type_check).
bool has_constant_bias(const Op& op);

struct BlockOutcome {
  std::size_t biased_ops = 0;
  std::size_t corrected_ops = 0;       // biases kept moved (0 when reverted)
  bool reverted = false;               // the correction made the block loss worse
  double loss_before = 0;
  double loss_after = 0;               // = loss_before when reverted
  double loss_tried = 0;               // with the correction, kept or not
  double sum_abs_delta = 0;            // over the kept bias changes
  std::size_t delta_values = 0;
  std::vector<std::string> skipped;    // biased ops left alone, and why
};

// Corrects the biases of `block` in `graph` (which `qt` caches, everything quantized by
// `quant_hook`); `fp` caches the float reference (float_graph(), nothing quantized):
//   fp   = block end outputs, float model;      q_in = block inputs, quantized model;
//   per biased op, per output channel: mean over batches of the batch mean of its output,
//   block float on q_in (m_fp) and block quantized on q_in (m_qt); bias += m_fp - m_qt;
//   loss = sum over end outputs of MSE(block quantized on q_in, fp), averaged over batches;
//   the old biases come back when the loss after is larger than before.
BlockOutcome correct_block(Graph& graph, const blocks::Block& block, blocks::ValueCache& qt, blocks::ValueCache& fp,
                           const PassContext& context, OpHook& quant_hook);

}  // namespace qtune::bias_correct
