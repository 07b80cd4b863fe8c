// qtune compare: the strategy reads outputs/ and decides; comparison.json, the plot, and
// on finalize outputs/best/ and final_report.md (report/compare_flow.h).
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "report/compare_flow.h"
#include "run/strategy_host.h"

namespace qtune::cli {

namespace po = boost::program_options;

int compare_command(const Args& args) {
  po::options_description options("qtune compare options");
  std::string output_arg, strategy;
  std::vector<std::string> strategy_options, plugin_dirs;
  options.add_options()
      ("output-dir", po::value(&output_arg)->required(), "the run's outputs/ folder (iter_0, iter_1, ...)")
      ("strategy", po::value(&strategy),
       "the strategy plugin that decides (default: the one outputs/run.json records, else agent-hint)")
      ("strategy-option", po::value(&strategy_options)->composing(), "KEY=VALUE for the strategy (repeatable)")
      ("finalize", po::bool_switch(), "write outputs/best/ and outputs/final_report.md from the best iteration now "
       "(refused in Phase 5 unless the target is met, a plateau is reached, or --force-finalize)")
      ("force-finalize", po::bool_switch(), "with --finalize: confirm finalizing in Phase 5 (e.g. the budget is spent)")
      ("force", po::bool_switch(), "overwrite a final_report.md whose marker line was removed (edited by hand)")
      ("write-best", po::bool_switch(), "mirror the best iteration into outputs/best/ without finalizing")
      ("plugin-dir", po::value(&plugin_dirs)->composing(), "also scan this folder for plugins (repeatable)");
  po::variables_map vm;
  if (!parse_options("compare",
                     "--output-dir DIR [--strategy NAME] [--strategy-option KEY=VALUE ...] [--finalize] "
                     "[--force-finalize] [--force] [--write-best] [--plugin-dir D ...]",
                     options, args, vm))
    return kExitOk;

  report::CompareRequest request;
  request.outputs_dir = existing_directory(output_arg, "--output-dir");
  request.strategy = strategy;
  request.strategy_options = parse_option_assignments(strategy_options);
  request.finalize = vm["finalize"].as<bool>();
  request.force_finalize = vm["force-finalize"].as<bool>();
  request.force = vm["force"].as<bool>();
  request.write_best = vm["write-best"].as<bool>();
  std::vector<std::filesystem::path> dirs;
  for (const auto& dir : plugin_dirs) dirs.push_back(existing_directory(dir, "--plugin-dir"));

  // Plugins load here, on the main thread.
  const StrategyHost host(dirs);
  const report::CompareResult result = report::run_compare(host, request, std::cout, stderr_log());
  std::cout.flush();
  return result.exit_code;
}

}  // namespace qtune::cli
