#pragma once
// Running the shipped pass plugins on hand-built graphs: the plugin host over the build's
// plugin folder (loaded once, never unloaded), the framework's IterationPassContext, a
// Log that records what a pass says, and float execution for before/after comparisons.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "host/plugin_host.h"
#include "qtune/pass.h"
#include "run/pass_context.h"

namespace qtune::test {

class RecordingLog final : public Log {
 public:
  void info(std::string_view m) override { infos.emplace_back(m); }
  void warn(std::string_view m) override { warnings.emplace_back(m); }
  void progress(std::string_view, long, long) override {}
  std::vector<std::string> infos, warnings;
};

// Every plugin of the build's plugin search path (what `qtune iterate` loads).
inline const PluginHost& shipped_plugins() {
  static const PluginHost* host = [] {
    auto* h = new PluginHost;  // never destroyed: plugin libraries stay loaded
    h->load_directories(PluginHost::default_search_path());
    return h;
  }();
  return *host;
}

inline OptionValues pass_options(const std::string& name, const std::map<std::string, OptionValue>& given) {
  const PluginHost& host = shipped_plugins();
  const LoadedPlugin* plugin = host.find("pass", name);
  if (!plugin) throw Error("pass plugin '" + name + "' is not built");
  return resolve_options(host.option_schema(*plugin), given, "pass '" + name + "'");
}

struct PassOutcome {
  PassResult result;
  std::vector<std::string> warnings;
};

// Runs pass `name` on `graph` (in place) with `given` options over the defaults.
inline PassOutcome run_pass(const std::string& name, Graph& graph, const std::map<std::string, OptionValue>& given = {},
                            const std::vector<Batch>& batches = {}, const std::string& target = "esp32s3") {
  const OptionValues options = pass_options(name, given);
  std::unique_ptr<Plugin> plugin = shipped_plugins().create("pass", name);
  Pass& pass = static_cast<Pass&>(*plugin);
  ContractConfig config;
  config.target = target;
  TargetInfo info;
  info.target = target;
  info.per_channel_weights = target == "esp32p4";
  RecordingLog log;
  IterationPassContext context(graph, config, info, batches, log);
  PassOutcome out;
  out.result = pass.run(context, options);
  out.warnings = log.warnings;
  return out;
}

inline std::vector<Tensor> run_float(const Graph& graph, const std::vector<Tensor>& inputs) {
  return make_executor(graph)->run(inputs);
}

inline Tensor random_tensor(const Shape& shape, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(shape);
  for (float& v : t.values<float>()) v = dist(rng);
  return t;
}

// Element-wise |a - b| <= rel * max|b| (+ a tiny absolute floor for all-zero outputs).
inline void expect_outputs_close(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double rel) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape()) << "output " << i;
    double scale = 1e-12;
    for (float v : b[i].values<float>()) scale = std::max(scale, std::fabs(static_cast<double>(v)));
    const auto av = a[i].values<float>(), bv = b[i].values<float>();
    double worst = 0;
    for (std::size_t k = 0; k < av.size(); ++k) worst = std::max(worst, std::fabs(double(av[k]) - double(bv[k])));
    EXPECT_LE(worst, rel * scale) << "output " << i << ": max |diff| " << worst << " vs max |ref| " << scale;
  }
}

inline std::vector<float> values_of(const Graph& graph, const std::string& variable) {
  const auto v = graph.variable(variable).value->values<float>();
  return {v.begin(), v.end()};
}

// Whether some warning holds every fragment.
inline bool has_warning(const std::vector<std::string>& warnings, std::initializer_list<std::string_view> fragments) {
  for (const std::string& w : warnings) {
    bool all = true;
    for (std::string_view f : fragments) all = all && w.find(f) != std::string::npos;
    if (all) return true;
  }
  return false;
}

// Adds parameter(s) and a Conv / Gemm op; an empty bias tensor means no bias input.
inline Op& add_conv(Graph& g, const std::string& name, const std::string& in, const std::string& out, Tensor w,
                    Tensor b = Tensor(), std::int64_t group = 1) {
  g.add_parameter(name + ".w", std::move(w));
  std::vector<std::string> inputs = {in, name + ".w"};
  if (!b.empty()) {
    g.add_parameter(name + ".b", std::move(b));
    inputs.push_back(name + ".b");
  }
  Attributes a;
  if (group != 1) a.set("group", group);
  const std::int64_t k = g.variable(name + ".w").value->dim(2);
  if (k > 1) a.set("pads", std::vector<std::int64_t>{k / 2, k / 2, k / 2, k / 2});
  return g.add_op(name, "Conv", inputs, {out}, a);
}
inline Op& add_gemm(Graph& g, const std::string& name, const std::string& in, const std::string& out, Tensor w,
                    Tensor b, bool trans_b) {
  g.add_parameter(name + ".w", std::move(w));
  std::vector<std::string> inputs = {in, name + ".w"};
  if (!b.empty()) {
    g.add_parameter(name + ".b", std::move(b));
    inputs.push_back(name + ".b");
  }
  Attributes a;
  a.set("transB", std::int64_t{trans_b ? 1 : 0});
  return g.add_op(name, "Gemm", inputs, {out}, a);
}
inline Tensor floats(Shape shape, std::vector<float> v) { return Tensor::from<float>(std::move(shape), v); }

inline std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "  " + l + "\n";
  return s;
}

}  // namespace qtune::test
