#pragma once
// Phase-3 levers and their structural fingerprints (search_state_machine.md §2.8-§2.9).
// A lever counts as tried when ANY iteration's setting matches its fingerprint, whatever
// its metric and whichever phase it ran in.
#include <string>
#include <vector>

#include "qtune/history.h"
#include "qtune/search/constants.h"
#include "qtune/search/json_util.h"

namespace qtune::search {

// The nine lever ids in report order: 3a-1, 3a-2, 3a-3, 3b, ..., 3g.
const std::vector<std::string>& all_lever_ids();

// Whether `setting` carries lever `lever`'s fingerprint. Unknown ids never match.
bool setting_matches_lever(const JsonValue& setting, const std::string& lever);
bool lever_tried(const History& rows, const std::string& lever);

// §2.9: the speed order for "speed", the balanced order for anything else.
const std::vector<std::string>& phase3_order_for(const std::string& priority, const SearchConstants& constants);

// §4 path 1 recognises a TQT escalation without checking block_size (unlike 3a-1/3a-2).
bool is_tqt_escalation(const JsonValue& setting);

// §2.6: iterations with id >= 4 (a pure id convention: Phase 2 is iter_0..iter_3).
inline constexpr int kFirstPhase3Id = 4;
int phase3_iteration_count(const History& rows);

}  // namespace qtune::search
