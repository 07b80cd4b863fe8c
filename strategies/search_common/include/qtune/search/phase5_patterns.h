#pragma once
// Phase-5 pass predicates and move classification (search_state_machine.md §7.1, §7.3,
// §7.4 labels, §7.5 stacks). "On" here is looser than "tried" for Phase 3: a pass block
// without `enabled` but non-empty counts as on (§17.11).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "qtune/search/json_util.h"

namespace qtune::search {

// Toggleable passes, in the order the classification walks them.
const std::vector<std::string>& toggleable_passes();
// The four Phase-5 patterns, canonical order, and their display labels.
const std::vector<std::string>& phase5_pattern_ids();
std::string phase5_pattern_label(const std::string& pattern);  // "5alpha STACK", ...

bool pass_on(const JsonValue& setting, const std::string& pass);
// Names (op, else op_name) of the dispatching_table entries with bits == 16.
std::set<std::string> int16_ops(const JsonValue& setting);
// str(layer) of weight_split.interested_layers when weight_split is enabled.
std::set<std::string> weight_split_layers(const JsonValue& setting);

// §7.3: patterns of the move prev -> new, ordered, without duplicates.
std::vector<std::string> classify_phase5_patterns(const JsonValue& prev, const JsonValue& next);
// §7.5: passes on, plus "int16:{n}" and "weight_split:{n}"; calibration excluded.
std::set<std::string> phase5_lever_stack(const JsonValue& setting);
// §7.4: single-knob attribution label of the move a -> b, nullopt when none applies.
std::optional<std::string> phase5_lever_label_for(const JsonValue& a, const JsonValue& b);

}  // namespace qtune::search
