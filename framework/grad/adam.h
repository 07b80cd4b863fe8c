#pragma once
// Adam as torch.optim.Adam computes it (defaults betas 0.9 / 0.999, eps 1e-8, no weight
// decay, no amsgrad), float32 state: for each value p with gradient g at step t,
//   m = β1·m + (1−β1)·g,  v = β2·v + (1−β2)·g²,
//   p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps).
#include <cstddef>
#include <span>
#include <vector>

namespace qtune::grad {

class Adam {
 public:
  // One state slot per trainable tensor, sized by `sizes` (element counts).
  Adam(double learning_rate, std::vector<std::size_t> sizes, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8);
  // Applies one step: values[i] and grads[i] hold sizes[i] floats each.
  void step(std::span<float* const> values, std::span<const float* const> grads);
  std::size_t steps() const { return t_; }

 private:
  double lr_, beta1_, beta2_, eps_;
  std::vector<std::vector<float>> m_, v_;
  std::size_t t_ = 0;
};

}  // namespace qtune::grad
