#pragma once
// GraphExecutor: the float executor behind make_executor(). The constructor plans once
// (topological order, one kernel per op, each variable's last reader); every run keeps
// its values in a frame local to the call, so runs are const and thread-safe.
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/kernel_registry.h"
#include "qtune/executor.h"

namespace qtune {

class GraphExecutor final : public Executor {
 public:
  // Throws Error naming the op (name and type) when an op has no kernel, or naming the
  // variable when an op reads a value nothing provides.
  explicit GraphExecutor(const Graph& graph);

  const Graph& graph() const override { return graph_; }
  TensorMap run(const TensorMap& feeds, const RunRequest& request = {}) const override;
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, OpHook* hook = nullptr) const override;
  // keep_all returns the values this replay computed (merge them into the cache).
  TensorMap run_from(const TensorMap& cache, const std::vector<const Op*>& changed,
                     const RunRequest& request = {}) const override;
  std::vector<std::vector<Tensor>> run_batches(std::span<const std::vector<Tensor>> batches,
                                               OpHook* hook = nullptr) const override;

 private:
  struct Step {
    const Op* op;
    Kernel kernel;
    std::vector<int> inputs;   // slot per input; -1 = absent optional input
    std::vector<int> outputs;  // slot per output; -1 = absent optional output
    bool in_place = false;     // kernel_works_in_place(op type)
  };
  // Values of one run: `view` points at a parameter, a feed, a cache entry or `owned`.
  struct Frame {
    std::vector<const Tensor*> view;
    std::vector<std::optional<Tensor>> owned;
  };

  void check_feed(const Variable& input, const Tensor& value) const;
  Frame make_frame() const;
  std::vector<bool> keep_mask(const RunRequest& request) const;
  // Per step of `order` (indices into steps_), the slots it reads last.
  std::vector<std::vector<int>> last_readers(const std::vector<std::size_t>& order) const;
  void execute(Frame& frame, const std::vector<std::size_t>& order, const std::vector<std::vector<int>>& free_after,
               const std::vector<bool>& keep, OpHook* hook) const;
  // `dying`: the slots this step reads last and nobody keeps (an in-place kernel may reuse
  // one of them as its output).
  void run_step(Frame& frame, const Step& step, OpHook* hook, std::span<const int> dying) const;
  void hand_over_dying_input(Frame& frame, const Step& step, std::vector<const Tensor*>& ins, std::vector<Tensor>& maps,
                             std::span<const int> dying, Tensor& out) const;
  // Full run from feeds given per graph input (in graph-input order).
  Frame run_all(const std::vector<const Tensor*>& feeds, const std::vector<bool>& keep, OpHook* hook) const;
  TensorMap collect(Frame& frame, const RunRequest& request, const std::vector<bool>& computed) const;

  const Graph& graph_;
  std::vector<const Variable*> vars_;               // slot -> variable
  std::unordered_map<std::string, int> slot_of_;    // variable name -> slot
  std::unordered_map<const Op*, std::size_t> step_of_;
  std::vector<Step> steps_;                         // topological order
  std::vector<std::size_t> all_steps_;              // 0 .. steps_.size()-1
  std::vector<std::vector<int>> free_after_;        // last readers over the full order
  std::vector<int> input_slots_, output_slots_, param_slots_;
};

}  // namespace qtune
