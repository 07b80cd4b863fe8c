// qtune run: the whole search loop on one outputs/ folder (run/search_run.h).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "run/search_run.h"

namespace qtune::cli {

namespace po = boost::program_options;

int run_command(const Args& args) {
  po::options_description options("qtune run options");
  std::string contract_arg, config_arg, output_arg, strategy;
  std::vector<std::string> plugin_dirs, strategy_options;
  int iterations = -1;
  options.add_options()
      ("contract", po::value(&contract_arg)->required(), "the model's contract library (.so)")
      ("contract-config", po::value(&config_arg), "a JSON config file handed to the contract (generic contracts)")
      ("output-dir", po::value(&output_arg)->required(), "the run's folder (iter_N, comparison.json, best/, final_report.md)")
      ("strategy", po::value(&strategy), "search strategy plugin: phased-linear (default), agent-hint, ablation, ...")
      ("strategy-option", po::value(&strategy_options)->composing(), "KEY=VALUE option of the strategy (repeatable)")
      ("iterations", po::value(&iterations), "iterations this run may spend (default: until the strategy stops)")
      ("target", po::value<double>(), "target value of the primary metric (overrides QUANT_CONFIG's target_metric)")
      ("chip", po::value<std::string>(), "quantize for this chip instead of QUANT_CONFIG's target (esp32p4, esp32s3, c, ...)")
      ("use-full-eval", po::bool_switch(), "evaluate every iteration with evaluate() even when evaluate_fast() exists")
      ("no-analyse", po::bool_switch(), "skip the error analysers (the strategy then has no per-layer data)")
      ("plugin-dir", po::value(&plugin_dirs)->composing(), "also scan this folder for plugins (repeatable)");
  po::variables_map vm;
  if (!parse_options("run",
                     "--contract X.so --output-dir outputs [--strategy NAME] [--strategy-option K=V ...] "
                     "[--iterations N] [--target V] [--chip CHIP] [--contract-config cfg.json] [--use-full-eval] "
                     "[--plugin-dir D ...]",
                     options, args, vm))
    return kExitOk;
  if (vm.count("iterations") && iterations < 0) throw UsageError("--iterations must be 0 or more");

  RunRequest request;
  request.contract = existing_file(contract_arg, "--contract");
  if (vm.count("contract-config")) request.contract_config = existing_file(config_arg, "--contract-config");
  request.outputs_dir = std::filesystem::absolute(output_arg);
  request.strategy = strategy;
  request.strategy_options = parse_option_assignments(strategy_options);
  request.iterations = iterations;
  if (vm.count("target")) request.target_metric = vm["target"].as<double>();
  if (vm.count("chip")) request.target_chip = vm["chip"].as<std::string>();
  request.use_full_eval = vm["use-full-eval"].as<bool>();
  request.analyse = !vm["no-analyse"].as<bool>();
  for (const auto& dir : plugin_dirs) request.plugin_dirs.push_back(existing_directory(dir, "--plugin-dir"));

  const RunResult result = run_search(request, std::cout);
  return result.exit_code;
}

}  // namespace qtune::cli
