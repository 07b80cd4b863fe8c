#pragma once
// Phase-5 signals: what the history says an agent (or phased-linear) should explore next
// once the linear Phase 3 is over (search_state_machine.md §7, §7.2-§7.5).
#include <map>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "qtune/history.h"
#include "qtune/search/constants.h"

namespace qtune::search {

// §7.2: the id of the last row of the first prefix that would be in Phase 5; -1 if none.
int phase5_cutoff_iter_id(const History& rows, const SearchConstants& constants);

// §7.3: pattern -> ids of the rows after the cutoff whose move (vs the best before them)
// shows the pattern. Every pattern id is a key.
using PatternCoverage = std::map<std::string, std::vector<int>>;
PatternCoverage phase5_pattern_coverage(const History& rows, int cutoff);
// Patterns with no row yet, canonical order (before the 5beta-reapply append).
std::vector<std::string> untried_phase5_patterns_raw(const PatternCoverage& coverage);

// §7.4: strict improvements / regressions vs the best so far.
struct LeverMove {
  int iter = 0;
  double delta = 0.0;                 // value - prior best value
  std::optional<std::string> label;   // phase5_lever_label_for(prior, row)
  const rapidjson::Value* value = nullptr;  // the row's raw primary value (improving only)
};
std::vector<LeverMove> improving_levers(const History& rows);
std::vector<LeverMove> regressing_levers(const History& rows);

// §7.5: calibrations whose deepest 5beta attempt is a strict subset of best's stack.
std::vector<std::string> untried_5beta_reapply(const History& rows, const IterationRow* best);

// Priority-order levers not tried, without 3c when R8 does not fire on best.
std::vector<std::string> untried_phase3_levers(const History& rows, const IterationRow* best,
                                               const SearchConstants& constants);
// Every priority-order lever tried, or 3c skipped by R8 (§7.2 all_levers_covered).
bool all_phase3_levers_covered(const History& rows, const IterationRow* best, const SearchConstants& constants);

// §7: comparison.json next_step_hint.phase5_signals ({} when there is no best).
rapidjson::Document phase5_signals(const History& rows, const IterationRow* best, const SearchConstants& constants);

}  // namespace qtune::search
