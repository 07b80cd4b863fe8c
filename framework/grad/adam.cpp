#include "grad/adam.h"

#include <cmath>

#include "qtune/error.h"

namespace qtune::grad {

Adam::Adam(double learning_rate, std::vector<std::size_t> sizes, double beta1, double beta2, double eps)
    : lr_(learning_rate), beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (std::size_t n : sizes) {
    m_.emplace_back(n, 0.0f);
    v_.emplace_back(n, 0.0f);
  }
}

void Adam::step(std::span<float* const> values, std::span<const float* const> grads) {
  if (values.size() != m_.size() || grads.size() != m_.size()) throw Error("Adam::step: tensor count differs from the state");
  ++t_;
  const double bc1 = 1.0 - std::pow(beta1_, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(beta2_, static_cast<double>(t_));
  const float step_size = static_cast<float>(lr_ / bc1), b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
  const float sqrt_bc2 = static_cast<float>(std::sqrt(bc2)), eps = static_cast<float>(eps_);
  for (std::size_t k = 0; k < m_.size(); ++k) {
    float* p = values[k];
    const float* g = grads[k];
    float* m = m_[k].data();
    float* v = v_[k].data();
    for (std::size_t i = 0; i < m_[k].size(); ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      p[i] -= step_size * m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps);
    }
  }
}

}  // namespace qtune::grad
