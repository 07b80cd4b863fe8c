#pragma once
// ExecutorModel: the qtune::Model handle given to a contract's evaluate(): a graph,
// its executor and an optional quantization hook.
#include <memory>
#include <string>

#include "qtune/executor.h"
#include "qtune/model.h"

namespace qtune {

class ExecutorModel final : public Model {
 public:
  // `graph` must outlive the model. `hook` may be null (float model).
  ExecutorModel(const Graph& graph, std::shared_ptr<OpHook> hook, std::string description);
  std::vector<std::string> input_names() const override;
  std::vector<std::string> output_names() const override;
  std::vector<Shape> input_shapes() const override;
  bool is_quantized() const override { return hook_ != nullptr; }
  std::string description() const override { return description_; }
  Batch run(const Batch& inputs) const override;
  std::vector<Batch> run_many(std::span<const Batch> batches) const override;

 private:
  const Graph& graph_;
  std::unique_ptr<Executor> executor_;
  std::shared_ptr<OpHook> hook_;
  std::string description_;
};

}  // namespace qtune
