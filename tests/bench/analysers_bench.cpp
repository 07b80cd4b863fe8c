// Wall time of the analysers (a benchmark, not a test), and of a naive layerwise analysis
// that re-runs the whole graph per op in the same process, for the ratio.
//
//   qtune_bench_analysers --case mobilenetv2|cls|det|chainN [--threads N] [--repeat R] [--no-naive]
//
// Cases (paths from the source and build trees):
//   mobilenetv2  the Fashion-MNIST MobileNetV2-style net through its contract
//                (build/contracts/libfashion_mnist_mobilenetv2.so): calibration and analysis
//                batches as `qtune iterate` loads them (32 x 32 images; analyse_steps + 1 = 9)
//   cls          the PP-OCR cls parity case (tests/fixtures/parity/ppocr_cls: 8 batches of 4)
//   det          the PP-OCRv4 det parity case (.cache/models/ppocr/det.onnx with the dims
//                parity_cases.cpp sets, tests/fixtures/parity/ppocr_det/calib.npy: 8 x 2)
//   chainN       a synthetic chain of N Conv 3x3 (16 channels, 32x32) + Relu blocks, then
//                GlobalAveragePool, Flatten, Gemm: N + 1 computing ops of equal cost, for how
//                the cost grows with the number of ops (9 batches of 8 uniform inputs)
// Each is quantized for esp32p4 as the baseline iteration does (kl calibration, then the
// fusion_alignment pass). Then, --repeat times (the median is reported): the four analyser
// plugins one after the other, and the naive layerwise: per batch one float run for the
// reference, then for every computing op one whole-graph run with only that op quantized.
// Each is timed in wall seconds and in process CPU seconds (all threads; what a loaded
// machine does not inflate). The naive values are checked against layerwise_error.json.
// Prints a human summary and one JSON line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "artifacts/atomic_file.h"
#include "artifacts/directory_artifact_store.h"
#include "exec/graph_executor.h"
#include "framework/onnx/io_dims_fix.h"
#include "host/contract_host.h"
#include "bench_common.h"
#include "bench_cases.h"
#include "host/plugin_host.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/analyser.h"
#include "qtune/npy.h"
#include "qtune/quant_graph.h"
#include "quant/calibration_driver.h"
#include "quant/conv_transpose_decomposition.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/op_sets.h"
#include "qtune_analysis/reference_graphs.h"
#include "qtune_analysis/snr.h"
#include "run/analysis_context.h"
#include "run/analysis_stage.h"
#include "run/calibration_plugins.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"
#include "run/pass_pipeline.h"
#include "run/setting.h"
#include "run/setting_plugins.h"

namespace {

namespace fs = std::filesystem;
namespace an = qtune::analysis;
using Clock = std::chrono::steady_clock;
using qtune::Batch;
using qtune::Graph;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Case {
  Graph graph;
  std::vector<Batch> calibration, analysis;
};

// Deterministic values in [-scale, scale) (an LCG, so runs are comparable).
std::vector<float> lcg_values(std::size_t n, float scale, std::uint32_t& state) {
  std::vector<float> v(n);
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

Case chain_case(int blocks) {
  Case c;
  Graph& g = c.graph;
  std::uint32_t state = 1;
  g.add_variable("x", {-1, 16, 32, 32});
  g.set_inputs({"x"});
  std::string prev = "x";
  qtune::Attributes conv;
  conv.set("kernel_shape", std::vector<std::int64_t>{3, 3});
  conv.set("pads", std::vector<std::int64_t>{1, 1, 1, 1});
  for (int k = 0; k < blocks; ++k) {
    const std::string w = fmt::format("w{}", k), b = fmt::format("b{}", k);
    g.add_parameter(w, qtune::Tensor::from<float>({16, 16, 3, 3}, lcg_values(16 * 16 * 9, 0.12f, state)));
    g.add_parameter(b, qtune::Tensor::from<float>({16}, lcg_values(16, 0.05f, state)));
    g.add_op(fmt::format("conv{}", k), "Conv", {prev, w, b}, {fmt::format("c{}", k)}, conv);
    g.add_op(fmt::format("relu{}", k), "Relu", {fmt::format("c{}", k)}, {fmt::format("r{}", k)});
    prev = fmt::format("r{}", k);
  }
  g.add_op("pool", "GlobalAveragePool", {prev}, {"p"});
  qtune::Attributes flat;
  flat.set("axis", std::int64_t{1});
  g.add_op("flatten", "Flatten", {"p"}, {"f"}, flat);
  g.add_parameter("wf", qtune::Tensor::from<float>({10, 16}, lcg_values(160, 0.3f, state)));
  g.add_parameter("bf", qtune::Tensor::from<float>({10}, lcg_values(10, 0.05f, state)));
  qtune::Attributes gemm;
  gemm.set("transB", std::int64_t{1});
  g.add_op("fc", "Gemm", {"f", "wf", "bf"}, {"y"}, gemm);
  g.set_outputs({"y"});
  for (int i = 0; i < 9; ++i)
    c.calibration.push_back({qtune::Tensor::from<float>({8, 16, 32, 32}, lcg_values(8 * 16 * 32 * 32, 1.0f, state))});
  c.analysis = c.calibration;
  return c;
}

Case load_case(const std::string& name) {
  if (name.rfind("chain", 0) == 0) return chain_case(std::stoi(name.substr(5)));
  qtune::bench::ModelCase m = qtune::bench::load_model_case(name);
  Case c{std::move(m.graph), std::move(m.calibration), {}};
  if (name == "mobilenetv2") {
    // The contract's analysis batches (analyse_steps + 1 of one epoch), as the iteration reads them.
    qtune::ContractHost host(fs::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_mobilenetv2.so");
    c.analysis = host.calibration_batches(qtune::analysis_batch_count(host.config().analyse_steps, 1u << 30), true);
  } else {
    c.analysis = c.calibration;  // 8 batches: esp-ppq's analysers read all 8
  }
  return c;
}

// The baseline iteration's quantization: esp32p4, kl, fusion_alignment with its defaults.
void quantize_baseline(Graph& graph, const std::vector<Batch>& batches, const qtune::PluginHost& host) {
  const qtune::TargetPolicy policy = qtune::TargetPolicy::from_target("esp32p4");
  qtune::quantize_graph(graph, policy);
  qtune::CalibrationPlugins plugins(host);
  qtune::CalibrationOptions options;
  options.calib_algorithm = "kl";
  qtune::calibrate(graph, batches,
                   [&](const std::string& a, const qtune::TensorQuantConfig& cfg) { return plugins.make_observer(a, cfg); },
                   options);
  const qtune::ResolvedSetting setting =
      qtune::resolve_setting(qtune::baseline_setting(), qtune::setting_plugins(host), "esp32p4", std::nullopt);
  qtune::IterationLog log(false);
  qtune::ContractConfig config;
  qtune::TargetInfo info{"esp32p4", 8, true, true, policy.rounding()};
  qtune::IterationPassContext context(graph, config, info, batches, log);
  qtune::PassPipeline(setting, host).run_stage(qtune::PassStage::Alignment, context);
}

// Naive layerwise: every (op, batch) re-runs the whole graph with only that op quantized.
std::map<std::string, double> naive_layerwise(const Graph& quantized, const Graph& float_graph,
                                              const std::vector<Batch>& batches) {
  const an::DequantizedGraph reference = an::make_dequantized(quantized, float_graph);
  const auto exec = qtune::make_executor(reference.graph);
  std::vector<const qtune::Op*> ops;
  for (const qtune::Op* op : reference.graph.topological_order())
    if (an::is_computing_op(*op)) ops.push_back(op);
  std::vector<an::RunningMean> measures(ops.size());
  for (const Batch& batch : batches) {
    const std::vector<qtune::Tensor> real = exec->run(batch);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto hook = an::make_isolated_hook(*ops[i], reference);
      const std::vector<qtune::Tensor> pred = exec->run(batch, hook.get());
      for (std::size_t k = 0; k < real.size(); ++k) measures[i].add(an::snr_tensor(pred[k], real[k]), an::snr_weight(real[k]));
    }
  }
  std::map<std::string, double> out;
  for (std::size_t i = 0; i < ops.size(); ++i) out[ops[i]->name] = measures[i].value();
  return out;
}

class QuietLog final : public qtune::Log {
 public:
  void info(std::string_view m) override { lines.emplace_back(m); }
  void warn(std::string_view m) override { lines.emplace_back("warning: " + std::string(m)); }
  void progress(std::string_view, long, long) override {}
  std::vector<std::string> lines;
};

}  // namespace

using qtune::bench::median;

int main(int argc, char** argv) {
  qtune::bench::BenchArgs args;
  bool naive = true;
  if (!qtune::bench::parse_bench_args(
          argc, argv, args,
          "usage: qtune_bench_analysers --case mobilenetv2|cls|det|chainN [--threads N] [--repeat R] [--no-naive]",
          [&](const std::string& flag, const std::function<std::string()>&) {
            if (flag != "--no-naive") return false;
            naive = false;
            return true;
          }))
    return 2;
  const std::string& name = args.name;
  const int threads = args.threads, repeat = args.repeat;
  const auto limit = qtune::bench::thread_limit(threads);

  qtune::PluginHost host;
  host.load_directories(qtune::PluginHost::default_search_path());
  Case c = load_case(name);
  const Graph float_graph = c.graph;
  auto t = Clock::now();
  quantize_baseline(c.graph, c.calibration, host);
  const double quantize_s = seconds_since(t);
  std::size_t computing = 0;
  for (const qtune::Op* op : c.graph.ops()) computing += an::is_computing_op(*op);

  // The unit everything is measured against: one float and one quantized forward over the
  // analysis batches (one batch at a time, as the analysers run them).
  std::vector<double> float_runs, quant_runs;
  {
    const auto float_exec = qtune::make_executor(float_graph);
    const auto quant_exec = qtune::make_executor(c.graph);
    const auto hook = qtune::make_quant_hook();
    for (int r = 0; r < std::max(repeat, 3); ++r) {
      t = Clock::now();
      for (const Batch& b : c.analysis) float_exec->run(b);
      float_runs.push_back(seconds_since(t));
      t = Clock::now();
      for (const Batch& b : c.analysis) quant_exec->run(b, hook.get());
      quant_runs.push_back(seconds_since(t));
    }
  }
  const double float_forward = median(float_runs), quant_forward = median(quant_runs);

  const fs::path dir = fs::temp_directory_path() / fmt::format("qtune_bench_analysers_{}_{}", name, ::getpid());
  std::map<std::string, std::vector<double>> times;
  QuietLog log;
  std::map<std::string, double> naive_values;
  // Each analyser plugin called directly (as run_analysers does), timed by wall clock and
  // by process CPU time (all threads): CPU seconds are what a loaded machine does not inflate.
  std::map<std::string, std::vector<double>> cpu;
  auto cpu_now = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  for (int r = 0; r < repeat; ++r) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    qtune::DirectoryArtifactStore store(dir);
    qtune::IterationAnalysisContext context(c.graph, float_graph, qtune::ContractConfig{}, c.analysis, store, log);
    double all_wall = 0, all_cpu = 0;
    for (const std::string& analyser : qtune::default_analysers()) {
      const qtune::LoadedPlugin* loaded = host.find("analyser", analyser);
      if (!loaded) throw std::runtime_error("analyser plugin '" + analyser + "' is not built");
      const qtune::OptionValues options = qtune::resolve_options(host.option_schema(*loaded), {}, analyser);
      std::unique_ptr<qtune::Plugin> plugin = host.create("analyser", analyser);
      t = Clock::now();
      const double c0 = cpu_now();
      static_cast<qtune::Analyser*>(plugin.get())->analyse(context, options);
      times[analyser].push_back(seconds_since(t));
      cpu[analyser].push_back(cpu_now() - c0);
      all_wall += times[analyser].back();
      all_cpu += cpu[analyser].back();
    }
    times["analysers"].push_back(all_wall);
    cpu["analysers"].push_back(all_cpu);
    if (naive) {
      t = Clock::now();
      const double c0 = cpu_now();
      naive_values = naive_layerwise(c.graph, float_graph, c.analysis);
      times["naive_layerwise"].push_back(seconds_since(t));
      cpu["naive_layerwise"].push_back(cpu_now() - c0);
    }
  }
  // The naive run must give the plugin's values (same arithmetic, whole graph instead of suffix).
  double worst = 0;
  if (naive) {
    const auto lw = an::parse_artifact(qtune::read_file(dir / "layerwise_error.json"), "layerwise_error.json");
    for (const auto& [op, v] : naive_values) {
      const double ours = lw[op.c_str()].GetDouble();
      worst = std::max(worst, std::abs(ours - v) / std::max(std::abs(v), 1e-30));
    }
  }
  for (const std::string& line : log.lines)
    if (line.rfind("layerwise: ", 0) == 0 && line.find("top-5") == std::string::npos) std::cout << line << "\n";
  fs::remove_all(dir);

  auto med = [&](const char* k) { return median(times[k]); };
  auto med_cpu = [&](const char* k) { return median(cpu[k]); };
  std::cout << fmt::format(
      "{}: {} ops ({} computing), {} analysis batches of {}, threads {}; quantize {:.2f} s\n"
      "  wall s (cpu s), median of {}: layerwise {:.2f} ({:.2f}), graphwise {:.2f} ({:.2f}), statistical {:.2f} "
      "({:.2f}), derived {:.3f}, all four {:.2f} ({:.2f})\n",
      name, c.graph.op_count(), computing, c.analysis.size(), c.analysis.empty() ? 0 : c.analysis[0][0].dim(0),
      threads ? std::to_string(threads) : std::string("default"), quantize_s, repeat, med("layerwise"),
      med_cpu("layerwise"), med("graphwise"), med_cpu("graphwise"), med("statistical"), med_cpu("statistical"),
      med("derived"), med("analysers"), med_cpu("analysers"));
  std::cout << fmt::format("  one forward over the analysis batches: float {:.3f} s, quantized {:.3f} s\n", float_forward,
                           quant_forward);
  if (naive)
    std::cout << fmt::format("  naive layerwise (whole graph per op) {:.2f} s ({:.2f} cpu s): suffix replay is {:.2f}x "
                             "faster ({:.2f}x in cpu s); max relative difference of the values {:.2e}\n",
                             med("naive_layerwise"), med_cpu("naive_layerwise"), med("naive_layerwise") / med("layerwise"),
                             med_cpu("naive_layerwise") / med_cpu("layerwise"), worst);
  std::cout << fmt::format(
      "{{\"case\": \"{}\", \"ops\": {}, \"computing_ops\": {}, \"batches\": {}, \"threads\": {}, "
      "\"layerwise_s\": {:.3f}, \"layerwise_cpu_s\": {:.3f}, \"graphwise_s\": {:.3f}, \"graphwise_cpu_s\": {:.3f}, "
      "\"statistical_s\": {:.3f}, \"statistical_cpu_s\": {:.3f}, \"derived_s\": {:.4f}, \"analysers_s\": {:.3f}, "
      "\"analysers_cpu_s\": {:.3f}, \"naive_layerwise_s\": {:.3f}, \"naive_layerwise_cpu_s\": {:.3f}, "
      "\"naive_max_rel_diff\": {:.3e}, \"float_forward_s\": {:.4f}, \"quant_forward_s\": {:.4f}}}\n",
      name, c.graph.op_count(), computing, c.analysis.size(), threads, med("layerwise"), med_cpu("layerwise"),
      med("graphwise"), med_cpu("graphwise"), med("statistical"), med_cpu("statistical"), med("derived"),
      med("analysers"), med_cpu("analysers"), med("naive_layerwise"), med_cpu("naive_layerwise"), worst, float_forward,
      quant_forward);
  return 0;
}
