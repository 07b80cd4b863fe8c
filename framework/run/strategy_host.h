#pragma once
// StrategyHost: loads strategy plugins through the plugin host and asks one of them for
// its decision on an outputs/ folder. `qtune compare` calls it once; `qtune run` calls it
// after every iteration.
//
//   StrategyHost host(plugin_dirs);
//   auto options = host.options("agent-hint", parse_option_assignments({"plateau_window=4"}));
//   StrategyDecision d = host.decide("agent-hint", outputs, options, /*iterations_left=*/-1,
//                                    /*contract_config=*/nullptr, log);
//
// The context handed to the strategy (StrategyContext, qtune/strategy.h) reads outputs/
// once (load_history), builds the ContractConfig from the rows when no contract is given,
// answers pass_available() from the installed pass plugins, and exposes outputs/ as an
// atomic ArtifactStore.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "host/plugin_host.h"
#include "qtune/contract_config.h"
#include "qtune/history.h"
#include "qtune/log.h"
#include "qtune/options.h"
#include "qtune/strategy.h"

namespace qtune {

// The strategy `qtune compare` / `qtune run` use when none is named.
inline constexpr const char* kDefaultStrategy = "agent-hint";
// outputs/run.json: {"strategy": NAME, "strategy_options": {...}} written by `qtune run`.
inline constexpr const char* kRunConfigFile = "run.json";

// Raw (unchecked) option values by name; the strategy's schema checks them.
using RawOptions = std::map<std::string, std::string>;

// "key=value" words (from --strategy-option) -> name -> value text. A word without '='
// or with an empty key is an InputError naming it; a key given twice keeps the last.
RawOptions parse_option_assignments(const std::vector<std::string>& words);

// The strategy recorded in outputs/run.json, if that file exists. `options` holds its
// "strategy_options" as JSON values. Malformed files are an InputError naming the file.
struct RecordedStrategy {
  std::string name;
  std::shared_ptr<rapidjson::Document> options;  // object, possibly empty
};
std::optional<RecordedStrategy> read_recorded_strategy(const std::filesystem::path& outputs_dir);

// ContractConfig as far as the rows tell it (no contract loaded): model_name and
// target_chip (latest non-empty), primary_metric (first truthy), metric_direction (best's,
// else the first row's), target_metric (§2.4), deploy_runtime_priority (§2.9).
ContractConfig config_from_history(const History& rows);

class StrategyHost {
 public:
  // Loads the plugins of the default search path (unless `default_dirs` is false) and of
  // `extra_dirs`, on the calling thread.
  explicit StrategyHost(const std::vector<std::filesystem::path>& extra_dirs = {}, bool default_dirs = true);

  const PluginHost& plugins() const { return plugins_; }
  // Names of the loaded strategy plugins, sorted.
  std::vector<std::string> strategy_names() const;
  // The strategy's option schema; InputError listing the installed strategies if unknown.
  OptionSchema schema(const std::string& strategy) const;

  // Checked option values: `text` values are parsed by the schema's type (Bool: true/false/
  // 1/0/yes/no; Int; Float; String/Enum; lists: a JSON array or comma-separated items;
  // StringMap: a JSON object or k:v,k:v), `json` values (run.json) converted as JSON.
  // Text wins over JSON for the same key. Unknown keys / bad values: InputError naming
  // the strategy and the option.
  OptionValues options(const std::string& strategy, const RawOptions& text = {},
                       const rapidjson::Value* json = nullptr) const;

  // Asks `strategy` for its decision on `outputs_dir`. `history` (when given) is used
  // instead of reading outputs/ again; `contract_config` null -> config_from_history.
  // `iterations_left` < 0: no budget. A throwing strategy is an Error naming it.
  StrategyDecision decide(const std::string& strategy, const std::filesystem::path& outputs_dir,
                          const OptionValues& options, int iterations_left, const ContractConfig* contract_config,
                          Log& log, const History* history = nullptr) const;

  // Whether a setting key's plugin is installed: a pass block key ("tqt_optimization",
  // "equalization", ...), "calib_algorithm:<name>" or a calibration algorithm's name;
  // keys the framework handles itself (dispatching_table, calib_algorithm, extra,
  // iteration_id, rationale) are always available.
  bool pass_available(const std::string& setting_key) const;

 private:
  PluginHost plugins_;
  std::map<std::string, std::string> block_owner_;       // setting key -> pass plugin
  std::vector<std::string> calibration_algorithms_;
};

}  // namespace qtune
