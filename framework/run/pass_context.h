#pragma once
// IterationPassContext: the PassContext (qtune/pass.h) of one iteration. It owns nothing
// but the float reference: the graph, config, batches and log belong to the iteration.
#include <memory>
#include <vector>

#include "qtune/pass.h"
#include "run/interrupt.h"

namespace qtune {

class IterationPassContext final : public PassContext {
 public:
  IterationPassContext(Graph& graph, const ContractConfig& config, TargetInfo target,
                       const std::vector<Batch>& batches, Log& log)
      : graph_(graph), config_(config), target_(std::move(target)), batches_(batches), log_(log) {}

  Graph& graph() override { return graph_; }
  // Before snapshot_float_graph() (the PreQuantize stage) the reference is graph() itself.
  const Graph& float_graph() const override { return float_ ? *float_ : graph_; }
  const ContractConfig& config() const override { return config_; }
  const TargetInfo& target() const override { return target_; }
  const std::vector<Batch>& calibration_batches() override { return batches_; }
  std::unique_ptr<Executor> make_executor(const Graph& graph) const override;
  Log& log() override { return log_; }
  bool stop_requested() const override { return interrupt_requested(); }
  std::unique_ptr<BlockTrainer> make_block_trainer(const BlockTrainingSpec& spec) override;

  // Freezes the float reference: call after the PreQuantize passes, before quantization.
  void snapshot_float_graph() { float_ = std::make_unique<Graph>(graph_); }

 private:
  Graph& graph_;
  const ContractConfig& config_;
  TargetInfo target_;
  const std::vector<Batch>& batches_;
  Log& log_;
  std::unique_ptr<Graph> float_;
};

}  // namespace qtune
