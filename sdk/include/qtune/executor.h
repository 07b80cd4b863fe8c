#pragma once
// Executor: runs a Graph on tensors. The framework implements it (Eigen + TBB); plugins
// get one from their context. Runs are const and thread-safe, so many batches may run
// in parallel on one executor. An OpHook sees every op's inputs and outputs: the
// quantizer fake-quantizes through it, analysers record or perturb through it.
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/config.hpp>

#include "qtune/graph.h"
#include "qtune/tensor.h"

namespace qtune {

using TensorMap = std::unordered_map<std::string, Tensor>;  // variable name -> value

class BOOST_SYMBOL_VISIBLE OpHook {
 public:
  virtual ~OpHook();
  // Replace input `index` as `op` sees it (e.g. a fake-quantized copy): fill `out` and
  // return true. Returning false uses the value unchanged. Must be thread-safe. Read `value`
  // (and `out`) during the call only: once the op has run, an elementwise op may have
  // written its output over an input that nothing reads afterwards.
  virtual bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out);
  // Called after `op` ran; may modify its outputs in place (output quantization).
  virtual void on_outputs(const Op& op, std::span<Tensor> outputs);
};

struct RunRequest {
  // Variables to return; empty = the graph outputs.
  std::vector<std::string> fetch;
  // Return every variable computed (an activation cache); `fetch` is then ignored.
  bool keep_all = false;
  OpHook* hook = nullptr;
};

class BOOST_SYMBOL_VISIBLE Executor {
 public:
  virtual ~Executor();
  virtual const Graph& graph() const = 0;

  // Whole graph from graph-input values (by input name).
  virtual TensorMap run(const TensorMap& feeds, const RunRequest& request = {}) const = 0;
  // Convenience: inputs in graph-input order, outputs in graph-output order.
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs, OpHook* hook = nullptr) const = 0;

  // Suffix replay: re-run only `changed` ops and every op downstream of them; every other
  // value is read from `cache` (which must hold the values those ops read, e.g. from a
  // keep_all run). Returns what `request` asks for.
  virtual TensorMap run_from(const TensorMap& cache, const std::vector<const Op*>& changed,
                             const RunRequest& request = {}) const = 0;

  // Many independent batches (inputs in graph-input order) in parallel (TBB);
  // results in the same order as `batches`.
  virtual std::vector<std::vector<Tensor>> run_batches(std::span<const std::vector<Tensor>> batches,
                                                       OpHook* hook = nullptr) const = 0;
};

}  // namespace qtune
