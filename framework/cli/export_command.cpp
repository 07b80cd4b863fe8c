// qtune export: re-runs one iteration from its folder (its setting.json, target and
// evaluation, through run_iteration into a scratch folder) and writes the model.espdl
// (+ .info, .json) that run produced to --out. The re-run's primary metric is compared
// with the one iteration_index.json recorded, and its file with the iteration's own
// model.espdl when there is one, so a re-export that differs is never silent.
#include <unistd.h>

#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "export/espdl_checklist.h"
#include "export/iteration_export.h"
#include "quant/target_policy.h"
#include "run/iteration.h"

namespace qtune::cli {

namespace po = boost::program_options;

namespace {

std::string string_member(const rapidjson::Value& doc, const char* key) {
  return doc.HasMember(key) && doc[key].IsString() ? doc[key].GetString() : std::string();
}

// Removes the scratch folder this command made, whatever happens.
struct ScratchDir {
  std::filesystem::path path;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

int export_command(const Args& args) {
  po::options_description options("qtune export options");
  std::string iteration_arg, out_arg, contract_arg, config_arg;
  std::vector<std::string> plugin_dirs;
  options.add_options()
      ("iteration", po::value(&iteration_arg)->required(), "the iteration's folder, e.g. outputs/iter_3")
      ("out", po::value(&out_arg), "the .espdl file to write (default: <iteration>/model.espdl); .info and .json beside it")
      ("contract", po::value(&contract_arg), "the model's contract library (default: the one iteration_index.json records)")
      ("contract-config", po::value(&config_arg), "the contract's JSON config (default: the recorded one)")
      ("plugin-dir", po::value(&plugin_dirs)->composing(), "also scan this folder for plugins (repeatable)");
  po::variables_map vm;
  if (!parse_options("export", "--iteration outputs/iter_N [--out F.espdl] [--contract X.so] [--contract-config C.json] "
                     "[--plugin-dir D ...]",
                     options, args, vm))
    return kExitOk;
  const std::filesystem::path dir = existing_directory(iteration_arg, "--iteration");
  const std::filesystem::path index_path = dir / kIterationIndexFile;
  const std::filesystem::path setting_path = dir / kSettingFile;
  if (!std::filesystem::is_regular_file(index_path))
    throw InputError(fmt::format("{}: no {} (not an iteration folder?)", dir.string(), kIterationIndexFile));
  if (!std::filesystem::is_regular_file(setting_path))
    throw InputError(fmt::format("{}: no {}; the iteration cannot be re-run", dir.string(), kSettingFile));
  const rapidjson::Document index = parse_json(read_file(index_path), index_path.string());
  if (string_member(index, "status") != "ok")
    throw InputError(fmt::format("{}: the iteration did not finish (status '{}'); nothing to export", index_path.string(),
                                 string_member(index, "status")));

  if (const std::string chip = string_member(index, "target_chip");
      !chip.empty() && !TargetPolicy::from_target(chip).is_espdl())
    throw InputError(fmt::format("{}: target '{}' is not an ESP-DL chip (linear scales; ESP-DL has only power-of-two "
                                 "exponents); nothing to export",
                                 index_path.string(), chip));

  IterationRequest request;
  const std::string contract = vm.count("contract") ? contract_arg : string_member(index, "contract");
  if (contract.empty())
    throw UsageError(fmt::format("{} records no contract; give --contract", index_path.string()));
  request.contract = existing_file(contract, "--contract");
  const std::string config = vm.count("contract-config") ? config_arg : string_member(index, "contract_config");
  if (!config.empty()) request.contract_config = existing_file(config, "--contract-config");
  request.setting = setting_path;
  if (const std::string target = string_member(index, "target_chip"); !target.empty()) request.target = target;
  request.use_full_eval = string_member(index, "evaluation") == "evaluate";
  request.analyse = false;  // the analysers' artifacts are not part of the export
  for (const auto& d : plugin_dirs) request.plugin_dirs.push_back(existing_directory(d, "--plugin-dir"));

  const std::filesystem::path out = out_arg.empty() ? dir / kModelEspdlFile : std::filesystem::absolute(out_arg);
  std::filesystem::create_directories(out.parent_path());
  // Scratch folder beside the output, so the final renames stay on one file system.
  const ScratchDir scratch{out.parent_path() / fmt::format(".qtune-export-{}", ::getpid())};
  request.output_dir = scratch.path;
  const IterationResult rerun = run_iteration(request);
  if (!rerun.ok()) throw Error(fmt::format("re-running {} failed: {}", dir.string(), rerun.record.error));
  const std::filesystem::path produced = scratch.path / kModelEspdlFile;
  if (!std::filesystem::is_regular_file(produced))
    throw Error(fmt::format("re-running {} wrote no {} (this qtune's iterations do not export)", dir.string(), kModelEspdlFile));

  // Reproducibility: the same metric, and the same bytes as the iteration's own file.
  const std::string metric = string_member(index, "primary_metric");
  if (index.HasMember("primary_value") && index["primary_value"].IsNumber() && rerun.record.primary_value) {
    const double recorded = index["primary_value"].GetDouble(), now = *rerun.record.primary_value;
    if (now != recorded)
      std::cerr << fmt::format("qtune export: warning: the re-run's {} is {} but iteration_index.json recorded {}; the "
                               "exported model may not be the one that was evaluated\n",
                               metric, now, recorded);
  }
  const std::string bytes = read_file(produced);
  if (const auto own = dir / kModelEspdlFile; std::filesystem::is_regular_file(own) && read_file(own) != bytes)
    std::cerr << fmt::format("qtune export: warning: the re-exported model differs from {}\n", own.string());
  for (const auto& p : espdl_loader_problems(bytes, produced.string()))
    std::cerr << fmt::format("qtune export: warning: loader checklist: {}\n", p);

  std::filesystem::path info = out, json = out;
  info.replace_extension(".info");
  json.replace_extension(".json");
  write_file_atomic(out, bytes);
  write_file_atomic(info, read_file(scratch.path / kModelInfoFile));
  write_file_atomic(json, read_file(scratch.path / kModelJsonFile));
  std::cout << fmt::format("wrote {} ({} bytes), {}, {}{}\n", out.string(), bytes.size(), info.filename().string(),
                           json.filename().string(),
                           rerun.record.primary_value ? fmt::format("; re-run {} = {}", metric, *rerun.record.primary_value)
                                                      : std::string());
  return kExitOk;
}

}  // namespace qtune::cli
