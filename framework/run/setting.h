#pragma once
// Setting: the typed form of one iteration's setting.json (reference: the espdl-quantize
// skill's setting schema, search_state_machine.md §16). Reading is two-stage so it does
// not depend on which plugins are installed:
//   parse_setting()    JSON -> Setting: top-level keys, types, and every pass block's
//                      options kept as raw OptionValues (this file);
//   resolve_setting()  Setting + installed plugins + target -> ResolvedSetting: each
//                      enabled block checked against its pass's option schema, defaults
//                      filled, validation rules applied, warnings returned
//                      (resolved_setting.h).
// Unknown keys, wrong types and malformed JSON are InputErrors naming the file and key.
// docs/setting_reference.md documents every key.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qtune/options.h"

namespace qtune {

// Setting keys of the pass blocks, in the reference's order. fusion_alignment has no
// `enabled` flag (a non-empty block is on; alignment itself always runs in esp-ppq).
inline constexpr const char* kEqualizationKey = "equalization";
inline constexpr const char* kBiasCorrectKey = "bias_correct";
inline constexpr const char* kWeightSplitKey = "weight_split";
inline constexpr const char* kTqtKey = "tqt_optimization";
inline constexpr const char* kLsqKey = "lsq_optimization";
inline constexpr const char* kBlockwiseKey = "blockwise_reconstruction";
inline constexpr const char* kFusionAlignmentKey = "fusion_alignment";

const std::vector<std::string>& setting_block_keys();
// Every top-level key setting.json may hold, in the order the writer uses.
const std::vector<std::string>& setting_keys();

// One pass block as written: its `enabled` flag (absent = not written) and the other
// keys as raw values (types are checked against the pass's schema when resolving).
struct PassBlock {
  std::optional<bool> enabled;
  std::map<std::string, OptionValue> given;
  bool operator==(const PassBlock&) const = default;
};

struct Setting {
  std::optional<std::int64_t> iteration_id;
  std::string rationale;
  std::string calib_algorithm = "kl";                // lower-cased, as the reference does
  std::map<std::string, PassBlock> blocks;            // only the blocks present (non-null) in the file
  std::map<std::string, int> dispatching_table;       // op name (simplified graph) -> bits, 8 or 16
  std::string extra;                                  // compact JSON object text; "" when absent
  std::string source = "setting.json";                // file (or label) named in every message

  // Whether the block `key` asks for its pass: `"enabled": true`, or for
  // fusion_alignment a non-empty block.
  bool is_enabled(const std::string& key) const;
  bool operator==(const Setting&) const = default;
};

// Parses setting.json text. `source` names the file in messages.
Setting parse_setting(const std::string& text, const std::string& source);
Setting read_setting_file(const std::filesystem::path& path);

// The reference's default setting (`--baseline`): espdl_setting() as is — kl calibration,
// no pass enabled, empty dispatching table.
Setting baseline_setting();

// Pretty JSON of the setting as given (only the keys present), stable key order:
// parse_setting(setting_to_json(s)) == s.
std::string setting_to_json(const Setting& setting);

// JSON text of one option value ("\"x\"", "[1, 2]", "null" for no value), for messages.
std::string option_value_json(const OptionValue& value);

}  // namespace qtune
