#include "qtune/search/lever_fingerprints.h"

namespace qtune::search {
namespace {

// §2.8: TQT defaults a missing key reads as.
constexpr double kDefaultTqtLr = 1e-5;
constexpr double kDefaultTqtBlockSize = 4;

const JsonValue* tqt_block(const JsonValue& setting) { return object_block(setting, "tqt_optimization"); }
bool tqt_enabled(const JsonValue& setting) { return json_truthy(json_member(tqt_block(setting), "enabled")); }

}  // namespace

const std::vector<std::string>& all_lever_ids() {
  static const std::vector<std::string> ids = {"3a-1", "3a-2", "3a-3", "3b", "3c", "3d", "3e", "3f", "3g"};
  return ids;
}

bool setting_matches_lever(const JsonValue& setting, const std::string& lever) {
  const JsonValue* t = tqt_block(setting);
  if (lever == "3a-1")  // steps explicit; lr and block_size may be the defaults
    return tqt_enabled(setting) && explicit_number_is(t, "steps", 1000) &&
           number_or_default_is(t, "lr", kDefaultTqtLr, 1e-5) &&
           number_or_default_is(t, "block_size", kDefaultTqtBlockSize, 4);
  if (lever == "3a-2")  // steps and lr explicit
    return tqt_enabled(setting) && explicit_number_is(t, "steps", 2000) && explicit_number_is(t, "lr", 5e-5) &&
           number_or_default_is(t, "block_size", kDefaultTqtBlockSize, 4);
  if (lever == "3a-3") return tqt_enabled(setting) && explicit_number_is(t, "block_size", 2);
  if (lever == "3b") return block_enabled(setting, "bias_correct");
  if (lever == "3c") return json_truthy(json_member(&setting, "fusion_alignment"));
  if (lever == "3d") return block_enabled(setting, "equalization");
  if (lever == "3e") return json_truthy(json_member(&setting, "dispatching_table"));  // any bits (§2.8)
  if (lever == "3f") return block_enabled(setting, "weight_split");
  if (lever == "3g") return block_enabled(setting, "blockwise_reconstruction");
  return false;
}

bool lever_tried(const History& rows, const std::string& lever) {
  for (const IterationRow& row : rows)
    if (setting_matches_lever(row.setting(), lever)) return true;
  return false;
}

const std::vector<std::string>& phase3_order_for(const std::string& priority, const SearchConstants& constants) {
  return priority == "speed" ? constants.order_speed : constants.order_balanced;
}

bool is_tqt_escalation(const JsonValue& setting) {
  const JsonValue* t = tqt_block(setting);
  if (!tqt_enabled(setting)) return false;
  const bool first = explicit_number_is(t, "steps", 1000) && number_or_default_is(t, "lr", kDefaultTqtLr, 1e-5);
  const bool second = explicit_number_is(t, "steps", 2000) && number_or_default_is(t, "lr", kDefaultTqtLr, 5e-5);
  return first || second;
}

int phase3_iteration_count(const History& rows) {
  int count = 0;
  for (const IterationRow& row : rows)
    if (row.id >= kFirstPhase3Id) ++count;
  return count;
}

}  // namespace qtune::search
