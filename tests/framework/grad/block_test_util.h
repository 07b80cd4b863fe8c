#pragma once
// Small graphs and data for the block training tests.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "framework/quant/plugin_calibration.h"
#include "quant/quantizer.h"
#include "grad_test_util.h"

namespace qtune::gradtest {

// `count` batches of one input of `shape`, uniform in [lo, hi).
inline std::vector<Batch> random_batches(const Shape& shape, std::size_t count, std::uint32_t seed, float lo = -1.0f,
                                         float hi = 1.0f) {
  std::vector<Batch> out;
  for (std::size_t b = 0; b < count; ++b) out.push_back({uniform_tensor(shape, seed + static_cast<std::uint32_t>(b), lo, hi)});
  return out;
}

// Calibrates `g` as `qtune iterate --baseline` does: kl activations through the real
// calibration plugins, minmax / percentile parameters, then the passive configs.
inline void calibrate_kl(Graph& g, const std::vector<Batch>& batches) {
  test::calibrate_with_plugins(g, batches, "kl");
}

// x[N,3,6,6] -> conv1 (3x3, pad 1) -> sigmoid -> s ─┬─ dw (depthwise 3x3) ─ d ─┐
//                                                   └───────────────────────── add -> a
// -> gap -> flatten -> gemm (transB) -> y
inline Graph residual_graph() {
  Graph g;
  g.name = "residual";
  g.add_variable("x", {-1, 3, 6, 6});
  g.add_parameter("w1", uniform_tensor({4, 3, 3, 3}, 101, -0.5f, 0.5f));
  g.add_parameter("b1", uniform_tensor({4}, 102, -0.2f, 0.2f));
  g.add_parameter("w2", uniform_tensor({4, 1, 3, 3}, 103, -0.5f, 0.5f));
  g.add_parameter("b2", uniform_tensor({4}, 104, -0.2f, 0.2f));
  g.add_parameter("w3", uniform_tensor({5, 4}, 105, -1.0f, 1.0f));
  g.add_parameter("b3", uniform_tensor({5}, 106, -0.2f, 0.2f));
  g.add_op("conv1", "Conv", {"x", "w1", "b1"}, {"c1"}, attrs({{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}));
  g.add_op("sig", "Sigmoid", {"c1"}, {"s"});
  g.add_op("dw", "Conv", {"s", "w2", "b2"}, {"d"},
           attrs({{"group", std::int64_t{4}}, {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}));
  g.add_op("add", "Add", {"s", "d"}, {"a"});
  g.add_op("gap", "GlobalAveragePool", {"a"}, {"p"});
  g.add_op("flat", "Flatten", {"p"}, {"f"}, attrs({{"axis", std::int64_t{1}}}));
  g.add_op("gemm", "Gemm", {"f", "w3", "b3"}, {"y"}, attrs({{"transB", std::int64_t{1}}}));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

inline std::vector<const Op*> all_ops(const Graph& g) {
  std::vector<const Op*> out;
  for (const Op* op : g.ops()) out.push_back(op);
  return out;
}

}  // namespace qtune::gradtest
