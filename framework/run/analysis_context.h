#pragma once
// IterationAnalysisContext: the AnalysisContext (qtune/analyser.h) of one iteration. It
// owns the analysis batches; the graphs, config, artifact store and log belong to the
// caller and must outlive it.
#include <memory>
#include <vector>

#include "qtune/analyser.h"

namespace qtune {

class IterationAnalysisContext final : public AnalysisContext {
 public:
  IterationAnalysisContext(const Graph& graph, const Graph& float_graph, const ContractConfig& config,
                           std::vector<Batch> batches, ArtifactStore& artifacts, Log& log)
      : graph_(graph), float_(float_graph), config_(config), batches_(std::move(batches)), artifacts_(artifacts),
        log_(log) {}

  const Graph& graph() const override { return graph_; }
  const Graph& float_graph() const override { return float_; }
  const ContractConfig& config() const override { return config_; }
  const std::vector<Batch>& analysis_batches() override { return batches_; }
  std::unique_ptr<Executor> make_executor(const Graph& graph) const override;
  ArtifactStore& artifacts() override { return artifacts_; }
  Log& log() override { return log_; }
  // TBB, one task per index (the work per index varies a lot: an early layer's suffix is
  // most of the graph, a late one's a few ops), so idle threads steal single indices.
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override;

 private:
  const Graph& graph_;
  const Graph& float_;
  const ContractConfig& config_;
  std::vector<Batch> batches_;
  ArtifactStore& artifacts_;
  Log& log_;
};

// How many batches esp-ppq's analysers read from a loader of `available` batches per epoch
// (`for idx, batch in enumerate(loader): ...; if idx >= steps: break`): steps + 1, or all.
std::size_t analysis_batch_count(std::int64_t analyse_steps, std::size_t available);

}  // namespace qtune
