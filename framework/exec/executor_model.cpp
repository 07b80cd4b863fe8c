#include "exec/executor_model.h"

#include <fmt/format.h>

#include "exec/graph_executor.h"

namespace qtune {

ExecutorModel::ExecutorModel(const Graph& graph, std::shared_ptr<OpHook> hook, std::string description)
    : graph_(graph), executor_(make_executor(graph)), hook_(std::move(hook)), description_(std::move(description)) {}

std::vector<std::string> ExecutorModel::input_names() const {
  std::vector<std::string> names;
  for (const Variable* v : graph_.inputs()) names.push_back(v->name);
  return names;
}

std::vector<std::string> ExecutorModel::output_names() const {
  std::vector<std::string> names;
  for (const Variable* v : graph_.outputs()) names.push_back(v->name);
  return names;
}

std::vector<Shape> ExecutorModel::input_shapes() const {
  std::vector<Shape> shapes;
  for (const Variable* v : graph_.inputs()) shapes.push_back(v->shape);
  return shapes;
}

namespace {

// A contract's batch: one float32 tensor per graph input, of the declared rank.
void validate_batch(const Graph& graph, const std::string& description, const Batch& inputs) {
  const auto& declared = graph.inputs();
  if (inputs.size() != declared.size())
    throw Error(fmt::format("model ({}): batch has {} tensors, the graph has {} inputs", description, inputs.size(),
                            declared.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Variable& v = *declared[i];
    const Tensor& t = inputs[i];
    if (t.dtype() != DType::Float32)
      throw Error(fmt::format("model ({}): input {} '{}' is {}, expected float32", description, i, v.name,
                              dtype_name(t.dtype())));
    if (!v.shape.empty() && t.rank() != v.shape.size())
      throw Error(fmt::format("model ({}): input {} '{}' has shape {}, expected rank {} like {}", description, i,
                              v.name, shape_str(t.shape()), v.shape.size(), shape_str(v.shape)));
  }
}

}  // namespace

Batch ExecutorModel::run(const Batch& inputs) const {
  validate_batch(graph_, description_, inputs);
  return executor_->run(inputs, hook_.get());
}

std::vector<Batch> ExecutorModel::run_many(std::span<const Batch> batches) const {
  // Every batch is checked before any work starts.
  for (const Batch& b : batches) validate_batch(graph_, description_, b);
  return executor_->run_batches(batches, hook_.get());
}

}  // namespace qtune
