#pragma once
// ResolvedSetting: a Setting checked against the installed plugins and the target, with
// every enabled pass block's options resolved (defaults filled) by the owning pass's
// option schema. The validation rules (reference §16, in its order):
//   * lsq_optimization is mutually exclusive with tqt_optimization and with
//     blockwise_reconstruction (error; checked before the target policy);
//   * the target must be an ESP-DL target; every one is POWER_OF_2, so an enabled LSQ is
//     disabled with a warning (its scales cannot train; TQT is the POWER_OF_2-native
//     alternative) and blockwise is_scale_trainable is forced false with a warning;
//   * equalization on a per-channel target (esp32p4, esp32s31) warns;
//   * calib_algorithm must name an installed calibration plugin (error listing them);
//   * an enabled block whose pass plugin is not installed is an error naming the block
//     and the plugin directories searched; unknown or mistyped options are errors
//     naming `block.option` and the file;
//   * a block with options but no `enabled` flag warns (the pass stays off);
//   * equalization without opt_level warns (the default 1 does not cross Add/Sub);
//   * weight_split needs a non-empty interested_layers (error);
//   * dispatching_table and interested_layers names not in the simplified graph warn
//     (the entry is kept, never a silent no-op);
//   * each `extra` key warns (recorded, not applied).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qtune/options.h"
#include "run/setting.h"

namespace qtune {

// What the installed plugins offer a setting (built by setting_plugins(), or literals in
// tests): the pass owning each block with its option schema, the calibration algorithm
// names, and the folders searched for plugins (for "not installed" messages).
struct BlockSchema {
  std::string plugin;   // pass plugin name
  OptionSchema schema;
};
struct SettingPlugins {
  std::map<std::string, BlockSchema> blocks;             // setting key -> owning pass
  std::vector<std::string> calibration_algorithms;
  std::vector<std::filesystem::path> searched;
};

struct ResolvedBlock {
  std::string plugin;
  std::vector<std::string> option_order;   // schema order, for the writer
  OptionValues options;
};

struct ResolvedSetting {
  std::optional<std::int64_t> iteration_id;
  std::string rationale;
  std::string calib_algorithm;
  std::map<std::string, ResolvedBlock> blocks;   // the passes that run (enabled, after the target policy)
  std::map<std::string, int> dispatching_table;
  std::string extra;
  std::string source;
  std::vector<std::string> warnings;             // in the order the rules run
};

// ESP-DL targets (reference §1.1) are all POWER_OF_2; "linear" (qtune's non-ESP-DL target)
// is not. Per-channel weights: PIE V2 (esp32p4, esp32s31) and linear.
bool is_power_of_2_target(const std::string& target);
bool is_per_channel_target(const std::string& target);

// `target` is the QUANT_CONFIG target (case and surrounding spaces ignored; "" = unknown,
// then no target policy applies). `op_names` are the simplified graph's op names;
// nullopt = not available (names are then not checked, with a warning when there are any).
ResolvedSetting resolve_setting(const Setting& setting, const SettingPlugins& plugins, const std::string& target,
                                const std::optional<std::vector<std::string>>& op_names);

// Pretty JSON of the resolved setting: every key, every enabled block with all its
// options (defaults filled), disabled blocks as {"enabled": false}; stable key order.
// Parsing and resolving it again gives the same setting.
std::string setting_to_json(const ResolvedSetting& setting);

}  // namespace qtune
