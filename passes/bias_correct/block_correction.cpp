#include "block_correction.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "channel_statistics.h"
#include "qtune/blocks/subgraph.h"
#include "qtune/error.h"

namespace qtune::bias_correct {
namespace {

// Batches per Executor::run_batches call: they run in parallel; more only holds more
// block outputs at once.
constexpr std::size_t kBatchesPerRun = 8;

struct BiasedOp {
  const Op* op = nullptr;
  std::string bias;                // parameter name (same in graph() and the block graph)
  std::size_t output = 0;          // index in the block graph's outputs
  std::vector<double> fp_sum, qt_sum;  // per channel, summed over batches
};

void add_to(std::vector<double>& sum, const std::vector<double>& x) {
  if (sum.empty()) sum.assign(x.size(), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) sum[i] += x[i];
}

void add_delta(Tensor& bias, const std::vector<float>& delta) {
  float* b = bias.data<float>();
  for (std::size_t i = 0; i < delta.size(); ++i) b[i] += delta[i];
}

}  // namespace

bool has_constant_bias(const Op& op) {
  if (op.type != "Conv" && op.type != "ConvTranspose" && op.type != "Gemm") return false;
  if (op.inputs.size() != 3 || !op.has_input(2)) return false;
  const Variable& b = op.input(2);
  return b.is_parameter && b.value.has_value() && b.value->dtype() == DType::Float32;
}

BlockOutcome correct_block(Graph& graph, const blocks::Block& block, blocks::ValueCache& qt, blocks::ValueCache& fp,
                           const PassContext& context, OpHook& quant_hook) {
  BlockOutcome outcome;
  const std::unordered_set<const Op*> inside(block.ops.begin(), block.ops.end());

  // Block graph outputs: the end op's outputs (the loss), the biased ops' outputs (the
  // means), and whatever an op outside the block reads (handed back to the cache).
  std::vector<std::string> outputs, inputs, frontier;
  std::unordered_map<std::string, std::size_t> output_index;
  auto add_output = [&](const std::string& name) {
    if (output_index.emplace(name, outputs.size()).second) outputs.push_back(name);
    return output_index.at(name);
  };
  for (const Variable* v : blocks::block_outputs(block)) add_output(v->name);
  const std::size_t n_end = outputs.size();
  std::vector<BiasedOp> biased;
  for (const Op* op : block.ops) {
    if (!has_constant_bias(*op)) continue;
    BiasedOp b;
    b.op = op;
    b.bias = op->input(2).name;
    b.output = add_output(op->outputs.at(0)->name);
    biased.push_back(std::move(b));
  }
  outcome.biased_ops = biased.size();
  for (const Op* op : block.ops)
    for (const Variable* out : op->outputs)
      if (out && std::any_of(out->consumers.begin(), out->consumers.end(), [&](const Op* c) { return !inside.count(c); })) {
        add_output(out->name);
        frontier.push_back(out->name);
      }
  for (const Variable* v : blocks::block_inputs(block)) inputs.push_back(v->name);

  // Cached data, as esp-ppq's collect(): block inputs with the whole graph quantized, block
  // end outputs with the whole graph float.
  std::vector<std::vector<Tensor>> q_in = qt.get(inputs);
  const std::vector<std::vector<Tensor>> fp_end = fp.get(std::vector<std::string>(outputs.begin(), outputs.begin() + n_end));
  const std::size_t n = q_in.size();

  Graph sub = blocks::extract_subgraph(graph, block.ops, outputs);
  const std::unique_ptr<Executor> executor = context.make_executor(sub);
  std::vector<std::vector<Tensor>> feeds(n);
  {
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < inputs.size(); ++i) index[inputs[i]] = i;
    for (std::size_t b = 0; b < n; ++b)
      for (const Variable* in : sub.inputs()) feeds[b].push_back(std::move(q_in[b].at(index.at(in->name))));
  }
  auto run = [&](OpHook* hook, const std::function<void(std::size_t, std::vector<Tensor>&)>& per_batch) {
    const std::span<const std::vector<Tensor>> all(feeds);
    for (std::size_t first = 0; first < n; first += kBatchesPerRun) {
      auto results = executor->run_batches(all.subspan(first, std::min(kBatchesPerRun, n - first)), hook);
      for (std::size_t i = 0; i < results.size(); ++i) per_batch(first + i, results[i]);
    }
  };
  auto keep_frontier = [&](std::vector<std::vector<Tensor>>& into, std::size_t b, std::vector<Tensor>& outs) {
    for (const std::string& name : frontier) into[b].push_back(std::move(outs[output_index.at(name)]));
  };
  auto loss_of = [&](std::size_t b, const std::vector<Tensor>& outs) {
    double sum = 0;
    for (std::size_t j = 0; j < n_end; ++j) sum += mean_squared_error(outs[j], fp_end[b][j]);
    return sum;
  };

  // Phase 1: the block float on the quantized inputs.
  run(nullptr, [&](std::size_t, std::vector<Tensor>& outs) {
    for (BiasedOp& t : biased) add_to(t.fp_sum, channel_means(outs[t.output], t.op->type));
  });
  // Phase 2: the block quantized, which also gives the loss before correction.
  std::vector<std::vector<Tensor>> frontier_before(n), frontier_after(n);
  run(&quant_hook, [&](std::size_t b, std::vector<Tensor>& outs) {
    for (BiasedOp& t : biased) add_to(t.qt_sum, channel_means(outs[t.output], t.op->type));
    outcome.loss_before += loss_of(b, outs);
    keep_frontier(frontier_before, b, outs);
  });
  outcome.loss_before /= static_cast<double>(n);

  // bias += mean_fp - mean_qt, in graph() and in the block graph.
  std::vector<std::pair<BiasedOp*, Tensor>> saved;
  std::vector<std::vector<float>> deltas;
  for (BiasedOp& t : biased) {
    Tensor& bias = *graph.variable(t.bias).value;
    if (static_cast<std::size_t>(bias.numel()) != t.fp_sum.size()) {
      outcome.skipped.push_back(t.op->name + ": bias of shape " + shape_str(bias.shape()) + " for " +
                                std::to_string(t.fp_sum.size()) + " output channels");
      continue;
    }
    std::vector<float> delta(t.fp_sum.size());
    for (std::size_t c = 0; c < delta.size(); ++c)
      delta[c] = static_cast<float>((t.fp_sum[c] - t.qt_sum[c]) / static_cast<double>(n));
    saved.emplace_back(&t, bias);
    add_delta(bias, delta);
    add_delta(*sub.variable(t.bias).value, delta);
    deltas.push_back(std::move(delta));
  }
  if (saved.empty()) {
    outcome.loss_after = outcome.loss_tried = outcome.loss_before;
    qt.put(block.ops, frontier, std::move(frontier_before));
    return outcome;
  }

  run(&quant_hook, [&](std::size_t b, std::vector<Tensor>& outs) {
    outcome.loss_after += loss_of(b, outs);
    keep_frontier(frontier_after, b, outs);
  });
  outcome.loss_after /= static_cast<double>(n);
  outcome.loss_tried = outcome.loss_after;

  if (outcome.loss_after > outcome.loss_before) {  // esp-ppq: post_loss > pre_loss restores
    for (auto& [t, original] : saved) *graph.variable(t->bias).value = std::move(original);
    outcome.reverted = true;
    outcome.loss_after = outcome.loss_before;
    qt.put(block.ops, frontier, std::move(frontier_before));
    return outcome;
  }
  std::vector<const Op*> changed;
  for (std::size_t i = 0; i < saved.size(); ++i) {
    changed.push_back(saved[i].first->op);
    for (float d : deltas[i]) {
      outcome.sum_abs_delta += std::abs(d);
      ++outcome.delta_values;
    }
  }
  outcome.corrected_ops = saved.size();
  qt.invalidate(changed);
  qt.put(block.ops, frontier, std::move(frontier_after));
  return outcome;
}

}  // namespace qtune::bias_correct
