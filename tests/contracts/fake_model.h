#pragma once
// A qtune::Model whose outputs a test chooses: evaluation logic is tested without the
// executor. `fn` maps one input batch to output 0.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "qtune/model.h"

namespace qtune::test {

class FakeModel final : public Model {
 public:
  using Fn = std::function<Tensor(const Tensor& input)>;
  FakeModel(Shape input_shape, bool quantized, Fn fn)
      : input_shape_(std::move(input_shape)), quantized_(quantized), fn_(std::move(fn)) {}

  std::vector<std::string> input_names() const override { return {"input"}; }
  std::vector<std::string> output_names() const override { return {"logits"}; }
  std::vector<Shape> input_shapes() const override { return {input_shape_}; }
  bool is_quantized() const override { return quantized_; }
  std::string description() const override { return quantized_ ? "fake quantized" : "fake float"; }
  Batch run(const Batch& inputs) const override { return {fn_(inputs.at(0))}; }
  std::vector<Batch> run_many(std::span<const Batch> batches) const override {
    std::vector<Batch> out;
    for (const Batch& b : batches) out.push_back(run(b));
    return out;
  }

 private:
  Shape input_shape_;
  bool quantized_;
  Fn fn_;
};

}  // namespace qtune::test
