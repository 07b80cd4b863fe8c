// Adam against an independent double-precision transcription of torch.optim.Adam's update,
// and on a quadratic it must minimise.
#include <cmath>

#include <gtest/gtest.h>

#include "grad/adam.h"

namespace qtune::grad {
namespace {

TEST(Adam, MatchesTheTorchUpdateStepByStep) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  Adam adam(lr, {2});
  float p[2] = {1.0f, -2.0f};
  double ref[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double grads[4][2] = {{0.5, -3.0}, {-0.25, 1.0}, {2.0, 0.0}, {1e-3, -1e-3}};
  for (int t = 1; t <= 4; ++t) {
    const float g[2] = {static_cast<float>(grads[t - 1][0]), static_cast<float>(grads[t - 1][1])};
    float* values[] = {p};
    const float* gs[] = {g};
    adam.step(values, gs);
    for (int i = 0; i < 2; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * grads[t - 1][i];
      v[i] = b2 * v[i] + (1 - b2) * grads[t - 1][i] * grads[t - 1][i];
      const double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
      ref[i] -= lr * mhat / (std::sqrt(vhat) + eps);
      EXPECT_NEAR(p[i], ref[i], 2e-5) << "step " << t << " value " << i;
    }
  }
  // The first step moves each value by lr against the gradient's sign.
  Adam fresh(0.5, {1});
  float q[1] = {0.0f};
  const float g[1] = {-123.0f};
  float* values[] = {q};
  const float* gs[] = {g};
  fresh.step(values, gs);
  EXPECT_NEAR(q[0], 0.5, 1e-5);
}

TEST(Adam, MinimisesAQuadratic) {
  Adam adam(0.05, {1});
  float p[1] = {-4.0f};
  for (int t = 0; t < 2000; ++t) {
    const float g[1] = {2.0f * (p[0] - 3.0f)};
    float* values[] = {p};
    const float* gs[] = {g};
    adam.step(values, gs);
  }
  EXPECT_NEAR(p[0], 3.0f, 0.02f);
}

}  // namespace
}  // namespace qtune::grad
