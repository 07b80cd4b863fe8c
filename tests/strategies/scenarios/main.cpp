// qtune-scenarios FILE.jsonl: replays the conformance scenarios of the reference state
// machine (search_state_machine.md §18) against the strategy plugins and `qtune compare`.
// One line per failing scenario (name: first mismatch), then "N passed, M failed";
// exit code 1 when any failed.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "scenario_checks.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace qtune::scenarios;

namespace {

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "qtune-scenario-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::set<std::string> split_kinds(const std::string& text) {
  std::set<std::string> kinds;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string kind = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!kind.empty()) kinds.insert(kind);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return kinds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, qtune_path, kinds_text, only;
  std::vector<std::string> plugin_dirs;
  bool keep_tmp = false;
  po::options_description options("qtune-scenarios FILE.jsonl [options]");
  options.add_options()("help", "this text")("file", po::value(&file), "the scenario file (JSON lines)")(
      "qtune", po::value(&qtune_path), "the qtune binary for kind main (default: next to this program)")(
      "plugin-dir", po::value(&plugin_dirs)->composing(), "scan this folder for plugins (default: the build's)")(
      "kind", po::value(&kinds_text), "only these kinds, comma-separated (next_step,helper,hindsight,main)")(
      "only", po::value(&only), "only the scenario with this name")(
      "strategy", po::value<std::string>()->default_value("agent-hint"), "the strategy plugin under test")(
      "keep-tmp", po::bool_switch(&keep_tmp), "keep each scenario's temporary outputs/ (printed)");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "qtune-scenarios: " << e.what() << "\n" << options;
    return 2;
  }
  if (vm.count("help") || file.empty()) {
    std::cout << options;
    return file.empty() && !vm.count("help") ? 2 : 0;
  }

  RunnerConfig config;
  config.strategy = vm["strategy"].as<std::string>();
  config.qtune_binary = qtune_path.empty() ? fs::read_symlink("/proc/self/exe").parent_path() / "qtune" : fs::path(qtune_path);
  std::vector<fs::path> dirs;
  for (const auto& d : plugin_dirs) dirs.emplace_back(d);
  if (dirs.empty()) dirs.emplace_back(QTUNE_SCENARIO_PLUGIN_DIR);
  const std::set<std::string> kinds = split_kinds(kinds_text);

  std::ifstream in(file);
  if (!in) {
    std::cerr << "qtune-scenarios: cannot read " << file << "\n";
    return 2;
  }
  std::unique_ptr<qtune::StrategyHost> host;  // loaded on first use, on this thread
  int passed = 0, failed = 0;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rapidjson::Document scenario;
    scenario.Parse<rapidjson::kParseNanAndInfFlag>(line.c_str(), line.size());
    if (scenario.HasParseError() || !scenario.IsObject()) {
      std::cout << fmt::format("FAIL line {}: not a JSON object\n", line_no);
      ++failed;
      continue;
    }
    decode_floats(scenario);
    const std::string name = scenario.HasMember("name") ? scenario["name"].GetString() : fmt::format("line {}", line_no);
    const std::string kind = scenario.HasMember("kind") ? scenario["kind"].GetString() : "";
    if ((!kinds.empty() && kinds.count(kind) == 0) || (!only.empty() && only != name)) continue;

    const fs::path work = make_temp_dir();
    Outcome outcome;
    try {
      if (kind == "next_step") {
        if (!host) host = std::make_unique<qtune::StrategyHost>(dirs, false);
        outcome = run_next_step(scenario, work, config, *host);
      } else if (kind == "helper") {
        outcome = run_helper(scenario, work);
      } else if (kind == "hindsight") {
        outcome = run_hindsight(scenario, work);
      } else if (kind == "main") {
        outcome = run_main(scenario, work, config);
      } else {
        outcome = fmt::format("unknown kind '{}'", kind);
      }
    } catch (const std::exception& e) {
      outcome = fmt::format("error: {}", e.what());
    }
    if (outcome) {
      ++failed;
      std::cout << fmt::format("FAIL {} ({}): {}\n", name, kind, *outcome);
    } else {
      ++passed;
    }
    if (keep_tmp) std::cout << fmt::format("  {} kept in {}\n", name, work.string());
    else fs::remove_all(work);
  }
  std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
