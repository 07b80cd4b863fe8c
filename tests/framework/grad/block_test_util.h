#pragma once
// Small graphs and data for the block training tests.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "exec/graph_executor.h"
#include "framework/quant/plugin_calibration.h"
#include "host/plugin_host.h"
#include "qtune/quant_graph.h"
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

// Runs the pass plugin `name` (loaded from the build's plugin folder) on `context` with the
// `given` options, then derives the passive configs of `graph` (the context's graph).
inline PassResult run_pass_plugin(const std::string& name, PassContext& context, Graph& graph,
                                  const std::map<std::string, OptionValue>& given) {
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  const LoadedPlugin* plugin = host.find("pass", name);
  if (!plugin) throw Error("the " + name + " plugin is not built");
  auto pass = host.create("pass", name);
  const OptionValues options = resolve_options(host.option_schema(*plugin), given, "test");
  PassResult r = static_cast<Pass&>(*pass).run(context, options);
  update_passive_configs(graph);
  return r;
}

// Mean squared difference of two float tensors of the same size, in double.
inline double mse(const Tensor& a, const Tensor& b) {
  double sum = 0.0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double d = static_cast<double>(a.data<float>()[i]) - b.data<float>()[i];
    sum += d * d;
  }
  return sum / static_cast<double>(a.numel());
}

// Mean over `batches` of the MSE between the first output of `quantized` (run through the
// quantization hook) and of `float_graph`.
inline double mean_output_mse(const Graph& quantized, const Graph& float_graph, const std::vector<Batch>& batches) {
  const auto hook = make_quant_hook();
  const auto qexec = make_executor(quantized);
  const auto fexec = make_executor(float_graph);
  double loss = 0.0;
  for (const Batch& b : batches) loss += mse(qexec->run(b, hook.get()).at(0), fexec->run(b).at(0));
  return loss / static_cast<double>(batches.size());
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
