#include "qtune/search/phase5_patterns.h"

#include <algorithm>

#include <fmt/format.h>

#include "qtune/history.h"

namespace qtune::search {
namespace {

void add_once(std::vector<std::string>& patterns, const char* pattern) {
  if (std::find(patterns.begin(), patterns.end(), pattern) == patterns.end()) patterns.emplace_back(pattern);
}

// §7.4 rule 4: block.enabled when the block is an object holding `enabled`, else the
// block's truthiness (an object without `enabled` counts by non-emptiness).
JsonValue toggle_value(const JsonValue& setting, const char* key, JsonAllocator& a) {
  const JsonValue* block = json_member(&setting, key);
  if (const JsonValue* enabled = json_member(block, "enabled")) return JsonValue(*enabled, a);
  return JsonValue(json_truthy(block));
}

}  // namespace

const std::vector<std::string>& toggleable_passes() {
  static const std::vector<std::string> passes = {"equalization", "bias_correct", "fusion_alignment",
                                                  "weight_split", "blockwise_reconstruction", "tqt_optimization"};
  return passes;
}

const std::vector<std::string>& phase5_pattern_ids() {
  static const std::vector<std::string> ids = {"5alpha", "5beta", "5gamma", "5delta"};
  return ids;
}

std::string phase5_pattern_label(const std::string& pattern) {
  if (pattern == "5alpha") return "5alpha STACK";
  if (pattern == "5beta") return "5beta CROSS-POLLINATE";
  if (pattern == "5gamma") return "5gamma ABLATE";
  if (pattern == "5delta") return "5delta DIVE-INTO-ARTIFACTS";
  return pattern;
}

bool pass_on(const JsonValue& setting, const std::string& pass) {
  const JsonValue* block = json_member(&setting, pass.c_str());
  if (block == nullptr || !block->IsObject()) return json_truthy(block);
  if (const JsonValue* enabled = json_member(block, "enabled")) return json_truthy(enabled);
  return block->MemberCount() > 0;
}

std::set<std::string> int16_ops(const JsonValue& setting) {
  std::set<std::string> ops;
  const JsonValue* table = json_member(&setting, "dispatching_table");
  if (table == nullptr || !table->IsArray()) return ops;
  for (const JsonValue& entry : table->GetArray()) {
    if (!entry.IsObject() || !json_equals_number(json_member(&entry, "bits"), 16)) continue;
    const JsonValue* op = json_member(&entry, "op");
    ops.insert(python_str(json_truthy(op) ? op : json_member(&entry, "op_name")));
  }
  return ops;
}

std::set<std::string> weight_split_layers(const JsonValue& setting) {
  std::set<std::string> layers;
  if (!block_enabled(setting, "weight_split")) return layers;
  const JsonValue* list = json_member(object_block(setting, "weight_split"), "interested_layers");
  if (list == nullptr || !list->IsArray()) return layers;
  for (const JsonValue& layer : list->GetArray()) layers.insert(python_str(&layer));
  return layers;
}

std::vector<std::string> classify_phase5_patterns(const JsonValue& prev, const JsonValue& next) {
  std::vector<std::string> patterns;
  for (const std::string& pass : toggleable_passes()) {
    const bool before = pass_on(prev, pass);
    const bool after = pass_on(next, pass);
    if (!before && after) add_once(patterns, "5alpha");
    if (before && !after) add_once(patterns, "5gamma");
  }
  const auto int16_before = int16_ops(prev);
  const auto int16_after = int16_ops(next);
  if (int16_before.empty() && !int16_after.empty()) add_once(patterns, "5alpha");
  if (!int16_before.empty() && int16_after.empty()) add_once(patterns, "5gamma");
  if (!int16_before.empty() && !int16_after.empty() && int16_before != int16_after) add_once(patterns, "5delta");
  const auto ws_before = weight_split_layers(prev);
  const auto ws_after = weight_split_layers(next);
  if (!ws_before.empty() && !ws_after.empty() && ws_before != ws_after) add_once(patterns, "5delta");
  if (calib_lower(prev) != calib_lower(next)) add_once(patterns, "5beta");
  return patterns;
}

std::set<std::string> phase5_lever_stack(const JsonValue& setting) {
  std::set<std::string> stack;
  for (const std::string& pass : toggleable_passes())
    if (pass_on(setting, pass)) stack.insert(pass);
  if (const auto n = int16_ops(setting).size()) stack.insert(fmt::format("int16:{}", n));
  if (const auto n = weight_split_layers(setting).size()) stack.insert(fmt::format("weight_split:{}", n));
  return stack;
}

std::optional<std::string> phase5_lever_label_for(const JsonValue& a, const JsonValue& b) {
  const JsonValue* ta = object_block(a, "tqt_optimization");
  const JsonValue* tb = object_block(b, "tqt_optimization");
  // 1. TQT switched (raw values: null != false, true == 1).
  const JsonValue* ea = json_member(ta, "enabled");
  const JsonValue* eb = json_member(tb, "enabled");
  if (!python_equals(ea, eb)) return json_truthy(eb) ? "tqt_enabled" : "tqt_disabled";
  // 2. A TQT schedule knob.
  for (const char* key : {"steps", "lr", "block_size"})
    if (!python_equals(json_member(ta, key), json_member(tb, key)))
      return fmt::format("tqt_{}={}", key, python_str(json_member(tb, key)));
  // 3. Calibration, NOT lower-cased here.
  if (calib_raw(a) != calib_raw(b)) return "calib=" + python_str(json_member(&b, "calib_algorithm"));
  // 4. A pass switched.
  rapidjson::Document scratch;
  for (const char* key : {"equalization", "bias_correct", "fusion_alignment", "weight_split",
                          "blockwise_reconstruction", "lsq_optimization"}) {
    const JsonValue va = toggle_value(a, key, scratch.GetAllocator());
    const JsonValue vb = toggle_value(b, key, scratch.GetAllocator());
    if (!python_equals(&va, &vb)) return fmt::format("{}={}", key, json_truthy(&vb) ? "on" : "off");
  }
  // 5. The dispatching table grew or shrank.
  const JsonValue* da = json_member(&a, "dispatching_table");
  const JsonValue* db = json_member(&b, "dispatching_table");
  if (da != nullptr && db != nullptr && da->IsArray() && db->IsArray() && da->Size() != db->Size())
    return fmt::format("dispatching_table={}_ops", db->Size());
  return std::nullopt;
}

}  // namespace qtune::search
