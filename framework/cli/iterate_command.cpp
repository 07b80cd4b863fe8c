// qtune iterate: one iteration of the tuning loop, end to end (run/iteration.h).
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "run/interrupt.h"
#include "run/iteration.h"

namespace qtune::cli {

namespace po = boost::program_options;

int iterate_command(const Args& args) {
  po::options_description options("qtune iterate options");
  std::string contract_arg, config_arg, setting_arg, output_arg;
  std::vector<std::string> plugin_dirs;
  options.add_options()
      ("contract", po::value(&contract_arg)->required(), "the model's contract library (.so)")
      ("contract-config", po::value(&config_arg), "a JSON config file handed to the contract (generic contracts)")
      ("baseline", po::bool_switch(), "use the reference's default setting (kl calibration, no pass)")
      ("setting", po::value(&setting_arg), "the iteration's setting.json")
      ("output-dir", po::value(&output_arg)->required(), "the iteration's folder, e.g. outputs/iter_3 (created)")
      ("use-full-eval", po::bool_switch(), "run the full evaluate() even when evaluate_fast() exists")
      ("no-analyse", po::bool_switch(), "skip the error analysers (layerwise, graphwise, statistical and their artifacts)")
      ("target", po::value<std::string>(), "quantize for this chip instead of QUANT_CONFIG's target (esp32p4, esp32s3, c, ...)")
      ("plugin-dir", po::value(&plugin_dirs)->composing(), "also scan this folder for plugins (repeatable)");
  po::variables_map vm;
  if (!parse_options("iterate",
                     "--contract X.so (--baseline | --setting S.json) --output-dir outputs/iter_N [--use-full-eval] [--no-analyse] "
                     "[--target CHIP] [--contract-config cfg.json] [--plugin-dir D ...]",
                     options, args, vm))
    return kExitOk;
  const bool baseline = vm["baseline"].as<bool>();
  if (baseline == (vm.count("setting") > 0)) throw UsageError("give exactly one of --baseline and --setting");

  IterationRequest request;
  request.contract = existing_file(contract_arg, "--contract");
  if (vm.count("contract-config")) request.contract_config = existing_file(config_arg, "--contract-config");
  // A missing or malformed setting file is reported inside the iteration (it is recorded
  // in the iteration's console.log and iteration_index.json).
  if (!baseline) request.setting = std::filesystem::absolute(setting_arg);
  request.output_dir = std::filesystem::absolute(output_arg);
  request.use_full_eval = vm["use-full-eval"].as<bool>();
  request.analyse = !vm["no-analyse"].as<bool>();
  if (vm.count("target")) request.target = vm["target"].as<std::string>();
  for (const auto& dir : plugin_dirs) request.plugin_dirs.push_back(existing_directory(dir, "--plugin-dir"));

  install_interrupt_handler();
  const IterationResult result = run_iteration(request);
  if (!result.ok()) std::cerr << fmt::format("qtune iterate: {}\n", result.record.error);
  return result.exit_code;
}

}  // namespace qtune::cli
