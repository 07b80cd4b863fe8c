#pragma once
// Gradient checks against central finite differences: for one op and fixed random weights
// r on its outputs, L(inputs) = Σ r ⊙ op(inputs) accumulated in double; the registered
// backward with dL/dY = r must match (L(x + h·e_i) − L(x − h·e_i)) / 2h for every checked
// element. The forward is the executor's own float32 kernel, so the tolerance is sized for
// float32 rounding over the step h (stated per call).
#include <algorithm>
#include <any>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "exec/kernel_registry.h"
#include "grad/op_gradient.h"
#include "qtune/graph.h"

namespace qtune::gradtest {

// A tensor whose values are distinct multiples of `spacing` (shuffled) around 0, so no two
// differ by less than `spacing` and none lies within spacing/2 of 0: finite differences with
// h < spacing/4 never cross a kink of Relu, max pooling or rounding.
inline Tensor spaced_tensor(Shape shape, std::uint32_t seed, float spacing = 0.05f) {
  Tensor t(DType::Float32, std::move(shape));
  std::vector<float> v(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = (static_cast<float>(i) - static_cast<float>(v.size()) / 2.0f + 0.5f) * spacing;
  std::mt19937 rng(seed);
  std::shuffle(v.begin(), v.end(), rng);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

inline Tensor uniform_tensor(Shape shape, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::Float32, std::move(shape));
  for (float& x : t.values<float>()) x = dist(rng);
  return t;
}

struct GradCase {
  std::string type;
  std::vector<std::optional<Tensor>> inputs;   // nullopt = absent optional input
  Attributes attributes;
  std::vector<std::size_t> check;              // inputs whose gradient is checked
  double h = 1e-2;                             // finite-difference step
  double tol = 2e-3;                           // |analytic − fd| <= tol · max(1, |fd|)
  std::size_t max_elements = 64;               // elements checked per input (spread evenly)
};

// Builds a one-op graph holding `c` and returns the op (the graph owns it).
inline const Op& make_op(Graph& g, const GradCase& c) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    if (!c.inputs[i]) {
      names.emplace_back();
      continue;
    }
    names.push_back("in" + std::to_string(i));
    g.add_parameter(names.back(), *c.inputs[i]);
  }
  Attributes a = c.attributes;
  return g.add_op("op", c.type, names, {"out"}, std::move(a));
}

inline Tensor forward(const Op& op, const std::vector<std::optional<Tensor>>& inputs) {
  std::vector<const Tensor*> ins;
  for (const auto& t : inputs) ins.push_back(t ? &*t : nullptr);
  std::vector<Tensor> outs(1);
  find_kernel(op.type)(op, std::span<const Tensor* const>(ins.data(), ins.size()), std::span<Tensor>(outs));
  return std::move(outs[0]);
}

inline double weighted_sum(const Tensor& y, const Tensor& r) {
  double s = 0.0;
  for (std::int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.data<float>()[i]) * r.data<float>()[i];
  return s;
}

// Runs the check; returns the number of elements compared (so a test can assert coverage).
inline std::size_t check_gradient(const GradCase& c) {
  Graph g;
  const Op& op = make_op(g, c);
  const grad::OpGradient* gradient = grad::find_gradient(c.type);
  EXPECT_NE(gradient, nullptr) << c.type;
  if (!gradient) return 0;
  EXPECT_EQ(grad::gradient_unsupported(op), "") << c.type;
  std::vector<std::optional<Tensor>> inputs = c.inputs;
  const Tensor y = forward(op, inputs);
  const Tensor r = uniform_tensor(y.shape(), 7, -1.0f, 1.0f);

  std::vector<const Tensor*> ins;
  for (const auto& t : inputs) ins.push_back(t ? &*t : nullptr);
  std::unique_ptr<bool[]> wanted(new bool[inputs.size()]());
  for (std::size_t i : c.check) wanted[i] = true;
  std::vector<Tensor> dx(inputs.size());
  const Tensor* outs[] = {&y};
  const Tensor* dys[] = {&r};
  std::any state;
  grad::BackwardArgs args{op, std::span<const Tensor* const>(ins.data(), ins.size()), outs, dys,
                          std::span<const bool>(wanted.get(), inputs.size()), std::span<Tensor>(dx), state};
  gradient->backward(args);

  std::size_t compared = 0;
  for (std::size_t i : c.check) {
    Tensor& x = *inputs[i];
    EXPECT_EQ(shape_str(dx[i].shape()), shape_str(x.shape())) << c.type << " input " << i;
    if (dx[i].shape() != x.shape()) continue;
    const std::int64_t n = x.numel();
    const std::int64_t stride = std::max<std::int64_t>(1, n / static_cast<std::int64_t>(c.max_elements));
    for (std::int64_t e = 0; e < n; e += stride) {
      float& v = x.data<float>()[e];
      const float saved = v;
      v = saved + static_cast<float>(c.h);
      const double plus = weighted_sum(forward(op, inputs), r);
      v = saved - static_cast<float>(c.h);
      const double minus = weighted_sum(forward(op, inputs), r);
      v = saved;
      const double fd = (plus - minus) / (2.0 * c.h);
      const double an = dx[i].data<float>()[e];
      EXPECT_LE(std::abs(an - fd), c.tol * std::max(1.0, std::abs(fd)))
          << c.type << ": d/d input " << i << " element " << e << ": analytic " << an << ", finite difference " << fd;
      ++compared;
    }
  }
  return compared;
}

inline Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

inline Tensor i64(Shape shape, const std::vector<std::int64_t>& values) { return Tensor::from(std::move(shape), values); }
inline Tensor f32(Shape shape, const std::vector<float>& values) { return Tensor::from(std::move(shape), values); }

}  // namespace qtune::gradtest
