// Wall and process CPU time of the calibration stage alone (a benchmark, not a test): what
// `qtune iterate --baseline` runs as "calibrate" (parameters, two kl phases over the
// calibration batches, passive configs), repeated in one process so a loaded machine's
// noise can be read off the spread, and without the iteration's other stages.
//
//   qtune_bench_calibration --case cls|det|mobilenetv2 [--threads N] [--repeat R] [--out quant_params.json]
//
// Cases as in analysers_bench.cpp: the PP-OCR cls and PP-OCRv4 det esp-ppq parity cases
// (tests/fixtures/parity: 8 batches of 4 / 2) and the Fashion-MNIST MobileNetV2-style net
// through its contract (32 batches of 32). Each repeat re-imports and re-quantizes the
// model (untimed) so every calibration starts from fresh configs; phase 1 is timed up to
// its last batch, "phase 2" is the rest (renders, second pass, passive configs). --out
// writes the last repeat's quant_params.json, to check that a change keeps the exponents.
// Prints each repeat and one JSON line (medians; the minimum CPU time as well).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "bench_common.h"
#include "bench_cases.h"
#include "host/plugin_host.h"
#include "quant/calibration_driver.h"
#include "quant/quant_params_json.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "run/calibration_plugins.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

}  // namespace

using qtune::bench::median;

int main(int argc, char** argv) {
  qtune::bench::BenchArgs args;
  args.repeat = 3;
  std::string out_path;
  if (!qtune::bench::parse_bench_args(
          argc, argv, args, "usage: qtune_bench_calibration --case cls|det|mobilenetv2 [--threads N] [--repeat R] [--out F]",
          [&](const std::string& flag, const std::function<std::string()>& next) {
            if (flag != "--out") return false;
            out_path = next();
            return true;
          }))
    return 2;
  const std::string& name = args.name;
  const int threads = args.threads, repeat = args.repeat;
  const auto limit = qtune::bench::thread_limit(threads);

  qtune::PluginHost host;
  host.load_directories(qtune::PluginHost::default_search_path());
  qtune::CalibrationPlugins plugins(host);
  const qtune::TargetPolicy policy = qtune::TargetPolicy::from_target("esp32p4");
  std::vector<double> wall, cpu, phase1_wall, phase1_cpu;
  std::string params;
  for (int r = 0; r < repeat; ++r) {
    qtune::bench::ModelCase c = qtune::bench::load_model_case(name);
    qtune::quantize_graph(c.graph, policy);
    qtune::CalibrationOptions options;
    options.calib_algorithm = "kl";
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    double p1_wall = 0, p1_cpu = 0;
    options.progress = [&](int phase, std::size_t done, std::size_t total) {
      if (phase == 1 && done == total) {
        p1_wall = std::chrono::duration<double>(Clock::now() - t0).count();
        p1_cpu = cpu_seconds() - c0;
      }
    };
    qtune::calibrate(c.graph, c.calibration,
                     [&](const std::string& a, const qtune::TensorQuantConfig& cfg) { return plugins.make_observer(a, cfg); },
                     options);
    wall.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    cpu.push_back(cpu_seconds() - c0);
    phase1_wall.push_back(p1_wall);
    phase1_cpu.push_back(p1_cpu);
    fmt::print("repeat {}: calibrate {:.3f} s wall, {:.3f} s CPU (phase 1 {:.3f} / {:.3f})\n", r + 1, wall.back(),
               cpu.back(), p1_wall, p1_cpu);
    params = qtune::quant_params_json(c.graph);
  }
  if (!out_path.empty()) std::ofstream(out_path) << params;
  // Medians, and the minimum CPU time: on a shared machine the least disturbed repeat.
  fmt::print("{{\"case\": \"{}\", \"threads\": {}, \"repeat\": {}, \"calibrate_wall_s\": {:.4f}, \"calibrate_cpu_s\": {:.4f}, "
             "\"calibrate_cpu_min_s\": {:.4f}, \"phase1_wall_s\": {:.4f}, \"phase1_cpu_s\": {:.4f}}}\n",
             name, threads, repeat, median(wall), median(cpu), *std::min_element(cpu.begin(), cpu.end()),
             median(phase1_wall), median(phase1_cpu));
  return 0;
}
