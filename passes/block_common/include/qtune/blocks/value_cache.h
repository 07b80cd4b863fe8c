#pragma once
// ValueCache: the values of one graph over the calibration batches, computed on demand and
// kept only while an op not yet computed may still read them.
//
// A block-wise pass needs, block after block, the block's inputs with the whole graph
// quantized and its end outputs with the whole graph float. Running the whole graph for
// every block (what esp-ppq does) costs one full forward per block and per mode; with this
// cache each op runs once per mode, plus the re-runs a changed parameter forces:
// invalidate() forgets what lies downstream of the ops whose parameters changed, and the
// next get() recomputes only that. Values are kept until every consumer of theirs has run,
// so memory stays at the graph's live frontier times the number of batches.
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "qtune/batch.h"
#include "qtune/executor.h"
#include "qtune/graph.h"
#include "qtune/pass.h"

namespace qtune::blocks {

class ValueCache {
 public:
  // `graph`, `batches`, `context` and `hook` (null: float) must outlive the cache. Runs
  // batches_per_run batches per Executor::run_batches call (parallel), bounding the
  // outputs held at once.
  ValueCache(const Graph& graph, const std::vector<Batch>& batches, const PassContext& context, OpHook* hook,
             std::size_t batches_per_run = 8);

  // Values of the named variables (graph inputs, or outputs of the graph's ops) for every
  // batch: result[batch][i] is names[i]. Computes what is missing.
  std::vector<std::vector<Tensor>> get(const std::vector<std::string>& names);

  // Values the caller computed itself for the outputs of `ops` (e.g. a block run after
  // its parameters changed): values[batch][i] is names[i]. The ops count as run.
  void put(const std::vector<const Op*>& ops, const std::vector<std::string>& names,
           std::vector<std::vector<Tensor>> values);

  // Parameters of `ops` changed: their values and everything downstream are recomputed
  // when next asked for.
  void invalidate(const std::vector<const Op*>& ops);

  // Ops run so far (each re-run counts again), for the pass's notes.
  std::size_t ops_run() const { return ops_run_; }

 private:
  std::vector<const Op*> missing_ops(const std::vector<std::string>& names) const;
  bool read_later(const Variable& v, const std::unordered_set<const Op*>& running) const;
  void evict();

  const Graph& graph_;
  const std::vector<Batch>& batches_;
  const PassContext& context_;
  OpHook* hook_;
  std::size_t batches_per_run_;
  std::unordered_map<std::string, std::size_t> input_index_;   // graph input -> batch slot
  std::unordered_set<const Op*> done_;
  std::unordered_map<std::string, std::vector<Tensor>> values_;  // variable -> per batch
  std::size_t ops_run_ = 0;
};

}  // namespace qtune::blocks
