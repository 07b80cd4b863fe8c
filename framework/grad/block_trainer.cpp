#include "grad/block_trainer.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "exec/graph_executor.h"
#include "grad/adam.h"
#include "grad/block_program.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune::grad {

namespace {

// Runs `graph` on every batch (in parallel) and keeps the variables `names` of each.
std::vector<std::vector<Tensor>> collect(const Graph& graph, const std::vector<Batch>& batches,
                                         const std::vector<std::string>& names, OpHook* hook) {
  const std::unique_ptr<Executor> executor = make_executor(graph);
  std::vector<std::vector<Tensor>> out(batches.size());
  RunRequest request;
  request.fetch = names;
  request.hook = hook;
  tbb::parallel_for(std::size_t{0}, batches.size(), [&](std::size_t b) {
    const Batch& batch = batches[b];
    if (batch.size() != graph.inputs().size())
      throw Error(fmt::format("block trainer: batch {} has {} tensors, graph '{}' has {} inputs", b, batch.size(),
                              graph.name, graph.inputs().size()));
    TensorMap feeds;
    for (std::size_t i = 0; i < batch.size(); ++i) feeds.emplace(graph.inputs()[i]->name, batch[i]);
    TensorMap values = executor->run(feeds, request);
    for (const std::string& name : names) out[b].push_back(std::move(values.at(name)));
  });
  return out;
}

class FrameworkBlockTrainer final : public BlockTrainer {
 public:
  FrameworkBlockTrainer(Graph& graph, const Graph& float_graph, const std::vector<Batch>& batches,
                        const BlockTrainingSpec& spec)
      : graph_(graph),
        spec_(spec),
        program_(graph, resolve_ops(graph, spec.ops), spec.train_scales, spec.learn_rounding, spec.train_linear_scales) {
    terms_.int_lambda = spec.int_lambda;
    terms_.gamma = spec.gamma;
    if (batches.empty()) throw Error("block trainer: no calibration batches");
    for (const std::string& name : program_.output_names())
      if (!float_graph.find_variable(name))
        throw Error(fmt::format("block trainer: the float graph has no variable '{}' (block output)", name));
    const std::unique_ptr<OpHook> hook = make_quant_hook();
    inputs_ = collect(graph, batches, program_.input_names(), hook.get());
    targets_ = collect(float_graph, batches, program_.output_names(), nullptr);
    program_.verify(views(inputs_.front()));
    std::vector<std::size_t> sizes;
    for (const auto& t : program_.trainables()) sizes.push_back(static_cast<std::size_t>(t.value.numel()));
    adam_ = std::make_unique<Adam>(spec.learning_rate, std::move(sizes));
    info_.first_op = program_.ops().front()->name;
    info_.last_op = program_.ops().back()->name;
    info_.batches = batches.size();
    info_.parameters = program_.parameter_count();
    for (std::size_t k = 0; k < program_.parameter_count(); ++k)
      info_.parameter_values += static_cast<std::size_t>(program_.trainables()[k].value.numel());
    for (std::size_t k = program_.parameter_count(); k < program_.trainables().size(); ++k) {
      if (program_.is_scale(k)) {
        ++info_.scales;
      } else {
        ++info_.roundings;
        info_.rounding_values += static_cast<std::size_t>(program_.trainables()[k].value.numel());
      }
    }
  }

  const BlockTrainingInfo& info() const override { return info_; }

  double loss() override {
    std::vector<double> per_batch(inputs_.size());
    tbb::parallel_for(std::size_t{0}, inputs_.size(), [&](std::size_t b) {
      LossTerms eval;
      eval.hard_rounding = true;  // what commit() writes
      per_batch[b] = program_.run(views(inputs_[b]), views(targets_[b]), eval, nullptr).mse;
    });
    double sum = 0.0;
    for (double v : per_batch) sum += v;  // in batch order: deterministic
    return sum / static_cast<double>(per_batch.size());
  }

  double step(std::size_t step) override {
    const std::size_t b = step % inputs_.size();
    LossTerms terms = terms_;
    if (spec_.learn_rounding) rounding_schedule(step, terms);
    const LossValue value = program_.run(views(inputs_[b]), views(targets_[b]), terms, &grads_);
    std::vector<float*> values;
    std::vector<const float*> grads;
    for (std::size_t k = 0; k < grads_.size(); ++k) {
      values.push_back(program_.trainables()[k].value.data<float>());
      grads.push_back(grads_[k].data<float>());
    }
    adam_->step(values, grads);
    return value.total;
  }

  std::size_t commit() override {
    std::size_t changed = 0;
    const auto& trainables = program_.trainables();
    for (std::size_t k = 0; k < trainables.size(); ++k) {
      const auto& t = trainables[k];
      if (k < program_.parameter_count()) {
        graph_.variable(t.name).value = t.value;
        continue;
      }
      if (program_.is_rounding(k)) {
        graph_.variable(t.name).value = program_.rounded_weight(k);
        continue;
      }
      if (t.linear) {
        const std::vector<float> scales = program_.linear_scales(k);
        for (std::size_t c = 0; c < scales.size(); ++c) changed += scales[c] != t.config->scales[c];
        if (scales != t.config->scales) {
          t.config->scales = scales;
          t.config->algorithm = "lsq";
        }
        continue;
      }
      const std::vector<int> exponents = program_.rounded_exponents(k);
      for (std::size_t c = 0; c < exponents.size(); ++c) changed += exponents[c] != t.config->exponents[c];
      if (exponents != t.config->exponents) {
        t.config->exponents = exponents;
        t.config->algorithm = "tqt";
      }
    }
    return changed;
  }

 private:
  // The AdaRound regulariser at `step` (reference §3.7, the paper's form): off during the
  // warm-up, then β cosine-annealed from rounding_beta_start to rounding_beta_end. With
  // reference_regulariser it stays off, as esp-ppq's clobbered step index leaves it.
  void rounding_schedule(std::size_t step, LossTerms& terms) const {
    terms.rounding_lambda = 0.0;
    if (spec_.reference_regulariser || spec_.rounding_lambda <= 0.0) return;
    const double total = static_cast<double>(std::max<std::size_t>(spec_.rounding_steps, 1));
    const double warm = spec_.rounding_warmup * total;
    const double t = static_cast<double>(step);
    if (t < warm) return;
    const double rel = total > warm ? std::min(1.0, (t - warm) / (total - warm)) : 1.0;
    terms.rounding_lambda = spec_.rounding_lambda;
    terms.rounding_beta = spec_.rounding_beta_end + 0.5 * (spec_.rounding_beta_start - spec_.rounding_beta_end) *
                                                        (1.0 + std::cos(rel * std::numbers::pi));
  }

  static std::vector<const Op*> resolve_ops(const Graph& graph, const std::vector<std::string>& names) {
    std::vector<const Op*> ops;
    for (const std::string& name : names) {
      const Op* op = graph.find_op(name);
      if (!op) throw Error(fmt::format("block trainer: graph '{}' has no op '{}'", graph.name, name));
      ops.push_back(op);
    }
    return ops;
  }
  static std::vector<const Tensor*> views(const std::vector<Tensor>& values) {
    std::vector<const Tensor*> out;
    for (const Tensor& t : values) out.push_back(&t);
    return out;
  }

  Graph& graph_;
  BlockTrainingSpec spec_;
  BlockProgram program_;
  LossTerms terms_;
  std::vector<std::vector<Tensor>> inputs_, targets_;
  std::unique_ptr<Adam> adam_;
  std::vector<Tensor> grads_;
  BlockTrainingInfo info_;
};

}  // namespace

std::unique_ptr<BlockTrainer> make_block_trainer(Graph& graph, const Graph& float_graph,
                                                 const std::vector<Batch>& batches, const BlockTrainingSpec& spec) {
  return std::make_unique<FrameworkBlockTrainer>(graph, float_graph, batches, spec);
}

}  // namespace qtune::grad
