// qtune check-contract: load a contract and call each of its functions once, so a
// broken contract fails here, in seconds, rather than in the middle of a search.
#include <cmath>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "exec/executor_model.h"
#include "host/contract_config_json.h"
#include "host/contract_host.h"

namespace qtune::cli {
namespace {

namespace po = boost::program_options;

void print_step(const std::string& what, Stopwatch& watch) { std::cout << fmt::format("[{:7.2f} s] {}\n", watch.lap(), what); }

std::string variables_text(const std::vector<Variable*>& variables) {
  std::vector<std::string> items;
  for (const Variable* v : variables) items.push_back(fmt::format("{} {}", v->name, shape_str(v->shape)));
  return fmt::format("{}", fmt::join(items, ", "));
}

std::size_t count_non_finite(const Tensor& t) {
  if (t.dtype() != DType::Float32) return 0;
  std::size_t n = 0;
  for (float x : t.values<float>()) n += !std::isfinite(x);
  return n;
}

}  // namespace

int check_contract_command(const Args& args) {
  po::options_description options("qtune check-contract options");
  std::string contract_arg, config_arg;
  options.add_options()
      ("contract", po::value(&contract_arg)->required(), "the contract library (.so) to check")
      ("contract-config", po::value(&config_arg), "a JSON config file handed to the contract (generic contracts)")
      ("full-eval", po::bool_switch(), "run the full evaluate() even when evaluate_fast() exists");
  po::variables_map vm;
  if (!parse_options("check-contract", "--contract X.so [--contract-config cfg.json] [--full-eval]", options, args, vm)) return kExitOk;
  const auto contract_path = existing_file(contract_arg, "--contract");
  std::optional<std::filesystem::path> config_path;
  if (vm.count("contract-config")) config_path = existing_file(config_arg, "--contract-config");

  Stopwatch total, watch;
  ContractHost host(contract_path, config_path);
  print_step(fmt::format("loaded contract '{}' from {}", host.name(), host.path().string()), watch);
  std::cout << "QUANT_CONFIG as qtune uses it (defaults filled in):\n" << contract_config_to_json(host.config()) << "\n";

  const std::vector<Batch> batches = host.calibration_batches(1);
  std::vector<std::string> shapes;
  for (const Tensor& t : batches.at(0)) shapes.push_back(fmt::format("{} {}", shape_str(t.shape()), dtype_name(t.dtype())));
  print_step(fmt::format("calibration_data(): first batch: {}", fmt::join(shapes, ", ")), watch);

  const Graph graph = host.load_graph();
  print_step(fmt::format("imported and simplified {}: {} ops", host.config().model.string(), graph.op_count()), watch);
  // Output shapes come from the run below: the IR's static output shapes may predate the batch override.
  std::vector<std::string> output_names;
  for (const Variable* v : graph.outputs()) output_names.push_back(v->name);
  std::cout << fmt::format("  inputs:  {}\n  outputs: {}\n", variables_text(graph.inputs()), fmt::join(output_names, ", "));

  const ExecutorModel model(graph, nullptr, "float");
  const Batch outputs = model.run(batches.at(0));
  std::vector<std::string> output_shapes;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    output_shapes.push_back(fmt::format("{} {}", output_names.at(i), shape_str(outputs[i].shape())));
    if (std::size_t bad = count_non_finite(outputs[i]))
      std::cout << fmt::format("  warning: float output {} has {} non-finite values on the calibration batch\n", i, bad);
  }
  print_step(fmt::format("float model on the first batch: outputs {}", fmt::join(output_shapes, ", ")), watch);

  const bool fast = host.has_evaluate_fast() && !vm["full-eval"].as<bool>();
  if (!host.has_evaluate_fast()) std::cout << "  note: no evaluate_fast(); running the full evaluate(), which may take long\n";
  const Metrics metrics = fast ? host.evaluate_fast(model) : host.evaluate(model);
  print_step(fmt::format("{}() on the float model:", fast ? "evaluate_fast" : "evaluate"), watch);
  for (const auto& [key, value] : metrics)
    std::cout << fmt::format("  {} = {}{}\n", key, value, key == host.config().primary_metric ? "   (primary)" : "");

  std::cout << fmt::format("contract OK ({:.2f} s)\n", total.seconds());
  return kExitOk;
}

}  // namespace qtune::cli
