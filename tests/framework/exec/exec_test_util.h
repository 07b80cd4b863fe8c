#pragma once
// Helpers for the executor tests: one-op graphs, seeded random tensors, comparisons.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "qtune/graph.h"

namespace qtune::test {

inline Tensor random_tensor(Shape shape, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::Float32, std::move(shape));
  for (float& v : t.values<float>()) v = dist(rng);
  return t;
}

inline Tensor ints(Shape shape, const std::vector<std::int64_t>& values) { return Tensor::from(std::move(shape), values); }
inline Tensor floats(Shape shape, const std::vector<float>& values) { return Tensor::from(std::move(shape), values); }

// Runs one op whose inputs are parameters (nullopt = absent optional input) and returns
// its outputs, through the real executor.
inline std::vector<Tensor> run_op(const std::string& type, const std::vector<std::optional<Tensor>>& inputs,
                                  Attributes attrs = {}, std::size_t outputs = 1) {
  Graph g;
  g.name = "one_op";
  std::vector<std::string> in_names, out_names;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      in_names.emplace_back();
      continue;
    }
    in_names.push_back("in" + std::to_string(i));
    g.add_parameter(in_names.back(), *inputs[i]);
  }
  for (std::size_t i = 0; i < outputs; ++i) out_names.push_back("out" + std::to_string(i));
  g.add_op("the_op", type, in_names, out_names, std::move(attrs));
  g.set_outputs(out_names);
  return make_executor(g)->run(std::vector<Tensor>{});
}

inline Tensor run1(const std::string& type, const std::vector<std::optional<Tensor>>& inputs, Attributes attrs = {}) {
  return run_op(type, inputs, std::move(attrs)).at(0);
}

inline Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

// Shape equal and every element within `tol` (absolute + relative to the reference).
inline void expect_close(const Tensor& actual, const Tensor& expected, float tol = 1e-5f) {
  ASSERT_EQ(shape_str(actual.shape()), shape_str(expected.shape()));
  const auto a = actual.to_float(), e = expected.to_float();
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], e[i], tol * (1.0f + std::abs(e[i]))) << "at flat index " << i;
}

inline void expect_ints(const Tensor& actual, Shape shape, const std::vector<std::int64_t>& values) {
  ASSERT_EQ(shape_str(actual.shape()), shape_str(shape));
  EXPECT_EQ(actual.to_int64(), values);
}

}  // namespace qtune::test
