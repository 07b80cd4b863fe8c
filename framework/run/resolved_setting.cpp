// Setting + installed plugins + target -> ResolvedSetting. The rules and their order
// follow the reference's apply_setting (search_state_machine.md §16); where qtune is
// stricter (wrong types, unknown options, names never checked) the rule says so.
#include "run/resolved_setting.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include "artifacts/json.h"
#include "qtune/error.h"
#include "quant/target_policy.h"
#include "run/setting_json.h"

namespace qtune {
namespace {

// Every ESP-DL target (quant/target_policy.h, reference §1.1) quantizes POWER_OF_2, and
// the PIE V2 family (esp32p4, esp32s31) quantizes Conv/Gemm weights per output channel
// (reference §1.2); qtune's "linear" target is neither an ESP-DL chip nor POWER_OF_2 (its
// weights are per channel).
bool is_known_target(const std::string& chip) {
  const auto& known = TargetPolicy::known_targets();
  return std::find(known.begin(), known.end(), chip) != known.end();
}
// Option names the rules look at (the reference's names; a pass whose schema lacks one
// simply is not subject to that rule).
constexpr const char* kInterestedLayers = "interested_layers";
constexpr const char* kOptLevel = "opt_level";
constexpr const char* kIsScaleTrainable = "is_scale_trainable";

std::string normalize_target(const std::string& target) {
  std::string t = target;
  t.erase(t.begin(), std::find_if(t.begin(), t.end(), [](unsigned char c) { return !std::isspace(c); }));
  t.erase(std::find_if(t.rbegin(), t.rend(), [](unsigned char c) { return !std::isspace(c); }).base(), t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string searched_text(const SettingPlugins& plugins) {
  if (plugins.searched.empty()) return "no plugin directories";
  std::vector<std::string> dirs;
  for (const auto& d : plugins.searched) dirs.push_back(d.string());
  return fmt::format("{}", fmt::join(dirs, ", "));
}

std::string range_text(const OptionSpec& spec) {
  return fmt::format("[{}, {}]", spec.min ? fmt::format("{}", *spec.min) : "-inf",
                     spec.max ? fmt::format("{}", *spec.max) : "inf");
}

// Checks one given value against its spec with a `block.option` message; returns it in
// the spec's type (an integral number for Int, a case-insensitive enum match, an empty
// list for FloatList), so resolve_options then only fills defaults.
OptionValue check_option(const OptionSpec& spec, const OptionValue& v, const std::string& source,
                         const std::string& path) {
  auto fail = [&](const std::string& expected) {
    return InputError(fmt::format("{}: key '{}' must be {}, got {}", source, path, expected, option_value_json(v)));
  };
  auto check_range = [&](double x) {
    if ((spec.min && x < *spec.min) || (spec.max && x > *spec.max)) throw fail("in " + range_text(spec));
  };
  if (std::holds_alternative<std::monostate>(v)) return v;  // null = the default
  switch (spec.type) {
    case OptionType::Bool:
      if (!std::holds_alternative<bool>(v)) throw fail("true or false");
      return v;
    case OptionType::Int: {
      std::int64_t i;
      if (const auto* p = std::get_if<std::int64_t>(&v)) i = *p;
      else if (const auto* d = std::get_if<double>(&v); d && std::isfinite(*d) && std::trunc(*d) == *d &&
                                                        std::fabs(*d) < 9.0e15)
        i = static_cast<std::int64_t>(*d);  // 10.0 -> 10, as the reference's int() cast
      else
        throw fail("an integer");
      check_range(static_cast<double>(i));
      return i;
    }
    case OptionType::Float: {
      double x;
      if (const auto* p = std::get_if<std::int64_t>(&v)) x = static_cast<double>(*p);
      else if (const auto* d = std::get_if<double>(&v)) x = *d;
      else throw fail("a number");
      check_range(x);
      return x;
    }
    case OptionType::String:
      if (!std::holds_alternative<std::string>(v)) throw fail("a string");
      return v;
    case OptionType::Enum: {
      std::vector<std::string> quoted;
      for (const auto& c : spec.choices) quoted.push_back("'" + c + "'");
      const std::string expected = fmt::format("one of {}", fmt::join(quoted, ", "));
      const auto* s = std::get_if<std::string>(&v);
      if (!s) throw fail(expected);
      for (const auto& c : spec.choices)
        if (iequals(c, *s)) return c;
      throw fail(expected);
    }
    case OptionType::StringList:
      if (!std::holds_alternative<std::vector<std::string>>(v)) throw fail("a list of strings");
      return v;
    case OptionType::FloatList:
      if (const auto* l = std::get_if<std::vector<std::string>>(&v); l && l->empty()) return std::vector<double>{};
      if (!std::holds_alternative<std::vector<double>>(v)) throw fail("a list of numbers");
      return v;
    case OptionType::StringMap:
      if (!std::holds_alternative<std::map<std::string, std::string>>(v)) throw fail("an object of strings");
      return v;
  }
  return v;
}

// Every given option: known to the pass and of its type (no defaults, no `required`).
std::map<std::string, OptionValue> check_given(const std::string& key, const PassBlock& raw, const BlockSchema& owner,
                                               const std::string& source) {
  std::map<std::string, OptionValue> checked;
  for (const auto& [name, value] : raw.given) {
    auto spec = std::find_if(owner.schema.begin(), owner.schema.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == owner.schema.end()) {
      std::vector<std::string> known = {"enabled"};
      for (const auto& s : owner.schema) known.push_back(s.name);
      throw InputError(fmt::format("{}: unknown key '{}.{}' (pass '{}' takes: {})", source, key, name, owner.plugin,
                                   fmt::join(known, ", ")));
    }
    checked[name] = check_option(*spec, value, source, key + "." + name);
  }
  return checked;
}

ResolvedBlock resolve_block(const std::string& key, const PassBlock& raw, const BlockSchema& owner,
                            const std::string& source) {
  ResolvedBlock block;
  block.plugin = owner.plugin;
  block.options = resolve_options(owner.schema, check_given(key, raw, owner, source),
                                  fmt::format("{}: key '{}' (pass '{}')", source, key, owner.plugin));
  for (const auto& spec : owner.schema) block.option_order.push_back(spec.name);
  return block;
}

[[noreturn]] void not_installed(const std::string& key, const SettingPlugins& plugins, const std::string& source,
                                const char* how_to_turn_off) {
  throw InputError(fmt::format(
      "{}: '{}' is enabled but no installed pass plugin owns that block (searched: {}); install the plugin that "
      "provides '{}' or {}",
      source, key, searched_text(plugins), key, how_to_turn_off));
}

// Names that are not ops of the simplified graph: kept, with a warning (the reference's
// harness let them silently no-op).
void check_names(const std::vector<std::string>& names, const std::string& where,
                 const std::optional<std::vector<std::string>>& op_names, ResolvedSetting& out) {
  if (names.empty()) return;
  if (!op_names) {
    out.warnings.push_back(fmt::format(
        "{}: op names were not checked (no simplified op list available); a name that is not in the simplified "
        "graph has no effect",
        where));
    return;
  }
  const std::set<std::string> known(op_names->begin(), op_names->end());
  for (const auto& name : names)
    if (!known.contains(name))
      out.warnings.push_back(fmt::format(
          "{}: '{}' is not an op of the simplified graph (see simplified_ops.json); it has no effect", where, name));
}

}  // namespace

bool is_power_of_2_target(const std::string& target) {
  const std::string chip = normalize_target(target);
  return is_known_target(chip) && TargetPolicy::from_target(chip).is_espdl();
}
bool is_per_channel_target(const std::string& target) {
  const std::string chip = normalize_target(target);
  return is_known_target(chip) && TargetPolicy::from_target(chip).per_channel_weights();
}

ResolvedSetting resolve_setting(const Setting& setting, const SettingPlugins& plugins, const std::string& target,
                                const std::optional<std::vector<std::string>>& op_names) {
  const std::string& source = setting.source;
  ResolvedSetting out;
  out.iteration_id = setting.iteration_id;
  out.rationale = setting.rationale;
  out.calib_algorithm = setting.calib_algorithm;
  out.dispatching_table = setting.dispatching_table;
  out.extra = setting.extra;
  out.source = source;

  // 1. LSQ is exclusive with TQT and blockwise reconstruction (before the target policy,
  //    as the reference: LSQ + TQT on a POWER_OF_2 target is an error, not a warning).
  if (setting.is_enabled(kLsqKey)) {
    std::vector<std::string> partners;
    if (setting.is_enabled(kTqtKey)) partners.push_back(kTqtKey);
    if (setting.is_enabled(kBlockwiseKey)) partners.push_back(kBlockwiseKey);
    if (!partners.empty())
      throw InputError(fmt::format(
          "{}: lsq_optimization and {} are mutually exclusive (both retrain the same blocks); enable only one",
          source, fmt::join(partners, " and ")));
  }

  // 2. Target policy.
  const std::string chip = normalize_target(target);
  if (!chip.empty() && !is_known_target(chip))
    throw InputError(fmt::format("{}: cannot apply the setting for target '{}': not an ESP-DL target (known: {})",
                                 source, target, fmt::join(TargetPolicy::known_targets(), ", ")));
  const bool power_of_2 = is_power_of_2_target(chip);
  bool lsq_enabled = setting.is_enabled(kLsqKey);
  if (lsq_enabled && power_of_2) {
    lsq_enabled = false;
    out.warnings.push_back(fmt::format(
        "lsq_optimization disabled: target '{}' quantizes POWER_OF_2, where LSQ cannot train scales (only weights "
        "would move); tqt_optimization is the POWER_OF_2-native alternative",
        target));
  }
  // The linear target (float scales): TQT's log2-scales have nothing to train there, and
  // blockwise reconstruction's learned rounding is defined on power-of-two grids only.
  if (!chip.empty() && !power_of_2) {
    if (setting.is_enabled(kBlockwiseKey))
      throw InputError(fmt::format(
          "{}: blockwise_reconstruction supports power-of-two targets only; target '{}' has linear (float) scales "
          "(use lsq_optimization there)",
          source, target));
    if (setting.is_enabled(kTqtKey))
      out.warnings.push_back(fmt::format(
          "tqt_optimization on target '{}' (linear scales): TQT trains power-of-two log2-scales, so only weights and "
          "biases will train; lsq_optimization trains linear scales",
          target));
  }
  if (setting.is_enabled(kEqualizationKey) && is_per_channel_target(chip))
    out.warnings.push_back(fmt::format(
        "equalization on target '{}' (per-channel weights): channel ranges are already quantized one by one, so "
        "equalization rarely helps and may regress; the pass still runs",
        target));

  // 3. Calibration algorithm.
  const auto& calibs = plugins.calibration_algorithms;
  if (std::find(calibs.begin(), calibs.end(), setting.calib_algorithm) == calibs.end())
    throw InputError(fmt::format(
        "{}: calib_algorithm '{}' is not an installed calibration algorithm (installed: {}; searched: {})", source,
        setting.calib_algorithm, calibs.empty() ? std::string("none") : fmt::format("{}", fmt::join(calibs, ", ")),
        searched_text(plugins)));

  // 4. Pass blocks, in the reference's order.
  for (const std::string& key : setting_block_keys()) {
    auto raw_it = setting.blocks.find(key);
    const PassBlock empty;
    const PassBlock& raw = raw_it == setting.blocks.end() ? empty : raw_it->second;
    const bool is_fusion = key == kFusionAlignmentKey;
    const bool enabled = key == kLsqKey ? lsq_enabled : setting.is_enabled(key);
    auto owner = plugins.blocks.find(key);

    if (!is_fusion && !raw.enabled && !raw.given.empty())
      out.warnings.push_back(fmt::format(
          "{}: the block has options but no \"enabled\" flag, so the pass stays off; write \"enabled\": true to run it",
          key));

    if (!enabled) {
      if (owner == plugins.blocks.end()) {
        if (is_fusion)
          out.warnings.push_back(
              "fusion_alignment: no installed pass plugin owns the block, so Add/Concat/pool/Resize inputs are not "
              "aligned as ESP-DL aligns them; metrics may differ from the device (install the fusion_alignment plugin)");
        continue;
      }
      // Alignment runs in every iteration (esp-ppq's fusion_setting); an empty block
      // keeps the pass's defaults.
      if (is_fusion) out.blocks[key] = resolve_block(key, raw, owner->second, source);
      // Options of a disabled block are still checked, so a typo shows before it matters.
      else check_given(key, raw, owner->second, source);
      continue;
    }
    if (owner == plugins.blocks.end())
      not_installed(key, plugins, source, is_fusion ? "leave the block empty" : "set \"enabled\": false");

    if (key == kWeightSplitKey) {
      auto layers = raw.given.find(kInterestedLayers);
      const auto* names = layers == raw.given.end() ? nullptr : std::get_if<std::vector<std::string>>(&layers->second);
      if (!names || names->empty())
        throw InputError(fmt::format(
            "{}: key 'weight_split.interested_layers' must list the layers to split when weight_split is enabled "
            "(esp-ppq's HorizontalLayerSplitPass refuses an empty list), got {}",
            source, layers == raw.given.end() ? "nothing" : option_value_json(layers->second)));
    }

    ResolvedBlock block = resolve_block(key, raw, owner->second, source);

    if (key == kEqualizationKey && !raw.given.contains(kOptLevel))
      out.warnings.push_back(
          "equalization: opt_level not given; the default 1 does not equalize across Add/Sub branches (residual "
          "blocks); set opt_level 2 to include them");
    if (key == kBlockwiseKey && power_of_2 && block.options.has(kIsScaleTrainable)) {
      const OptionValue& v = block.options.all().at(kIsScaleTrainable);
      if (const bool* b = std::get_if<bool>(&v); b && *b) {
        block.options.set(kIsScaleTrainable, false);
        out.warnings.push_back(fmt::format(
            "blockwise_reconstruction: is_scale_trainable forced to false: target '{}' quantizes POWER_OF_2, where "
            "scales cannot be trained by blockwise reconstruction",
            target));
      }
    }
    if (block.options.has(kInterestedLayers))
      if (const auto* names = std::get_if<std::vector<std::string>>(&block.options.all().at(kInterestedLayers)))
        check_names(*names, key + ".interested_layers", op_names, out);
    out.blocks[key] = std::move(block);
  }

  // 5. Dispatching table: names checked against the simplified graph.
  std::vector<std::string> dispatched;
  for (const auto& [op, bits] : setting.dispatching_table) dispatched.push_back(op);
  check_names(dispatched, "dispatching_table", op_names, out);

  // 6. extra: recorded with the iteration, applied by nothing in qtune.
  if (!setting.extra.empty()) {
    const rapidjson::Document extra = parse_json(setting.extra, source + ": extra");
    for (auto it = extra.MemberBegin(); it != extra.MemberEnd(); ++it)
      out.warnings.push_back(fmt::format(
          "extra.{}: recorded with the setting but not applied (qtune has no setting of that name)",
          it->name.GetString()));
  }
  return out;
}

std::string setting_to_json(const ResolvedSetting& setting) {
  rapidjson::Document doc(rapidjson::kObjectType);
  detail::write_common_head(doc, setting.iteration_id, setting.rationale, setting.calib_algorithm);
  for (const std::string& key : setting_block_keys()) {
    rapidjson::Value block(rapidjson::kObjectType);
    auto it = setting.blocks.find(key);
    const bool is_fusion = key == kFusionAlignmentKey;
    if (!is_fusion) detail::add_member(doc, block, "enabled", rapidjson::Value(it != setting.blocks.end()));
    if (it != setting.blocks.end()) {
      const auto& all = it->second.options.all();
      for (const std::string& name : it->second.option_order) {
        auto value = all.find(name);
        // An option with no default and no value stays out (absent means "not given").
        if (value == all.end() || std::holds_alternative<std::monostate>(value->second)) continue;
        detail::add_member(doc, block, name, detail::option_to_json(value->second, doc));
      }
    }
    detail::add_member(doc, doc, key, std::move(block));
  }
  detail::write_common_tail(doc, setting.dispatching_table, setting.extra);
  return json_pretty(doc) + "\n";
}

}  // namespace qtune
