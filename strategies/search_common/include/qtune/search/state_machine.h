#pragma once
// The reference's state machine (search_state_machine.md §5): from the history alone,
// which phase the search is in, which lever comes next and with which template, plus
// every intermediate fact the decision rests on (the oracle fields of §19). Both
// strategy plugins build on it: agent-hint renders it for a reader, phased-linear acts.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "qtune/history.h"
#include "qtune/search/constants.h"
#include "qtune/search/phase5_advice.h"
#include "qtune/search/phase5_signals.h"
#include "qtune/search/r8_trigger.h"

namespace qtune::search {

inline constexpr const char* kPhase1 = "phase-1-baseline";
inline constexpr const char* kPhase2 = "phase-2-calib-tqt-sweep";
inline constexpr const char* kPhase3Residual = "phase-3-residual";
inline constexpr const char* kPhase3Pivot = "phase-3-pivot";
inline constexpr const char* kPhase4 = "phase-4-final-report";
inline constexpr const char* kPhase5 = "phase-5-agent-driven";

struct SearchState {
  std::string phase;
  std::optional<std::string> lever;           // Phase 3 only
  std::optional<std::string> route;           // "path1" | "path2_note" | "linear" (Phase 3)
  bool pivot = false;                         // phase-3-pivot
  std::optional<std::string> phase4_reason;   // "target_reached" | "plateau"
  std::optional<std::string> phase5_trigger;  // "phase3_cap" | "all_levers_tried"
  std::string phase5_trigger_reason;          // the trigger sentence of the Phase-5 advice
  std::vector<SkippedLever> skipped_levers;   // levers step 7 skipped by trigger (3c / R8)
  bool skipped_levers_in_hint = false;        // only the all-levers Phase-5 advice names them
  std::shared_ptr<rapidjson::Document> template_json;  // null: no template (phases 1, 4, 5)
  int next_iteration_id = 0;
  std::vector<int> iteration_ids;
  std::optional<int> best_iteration_id;
  std::shared_ptr<rapidjson::Document> best_iteration;  // {iteration_id, primary_value, metric_direction, dir}
  std::string runtime_priority = "balanced";
  std::optional<double> target_metric;
  bool target_reached = false;
  bool plateau = false;
  int phase3_iteration_count = 0;
  std::vector<std::string> phase2_calibs_covered;
  std::vector<std::pair<std::string, bool>> lever_tried;  // all nine ids, report order
  bool all_phase3_levers_tried = false;
  bool path1_trigger = false;
  bool path2_eligible = false;
  R8Result r8;
  std::map<int, std::optional<int>> ranks;    // nullopt: "-" (no finite value)
  std::vector<std::string> ranking_warnings;
  std::map<int, RuntimeCost> runtime_cost;
  int phase5_cutoff_iter_id = -1;
  PatternCoverage phase5_pattern_coverage;
  std::vector<std::string> untried_phase5_patterns_raw;
  bool phase5_signals_emitted = false;        // comparison.json carries them in Phase 5 only
  std::shared_ptr<rapidjson::Document> phase5_signals;
  std::string advice;
  std::string phase5_advice;                  // built with kPhase5DefaultTrigger, any phase
  SearchConstants constants;
};

SearchState analyse_search(const History& rows, const SearchConstants& constants = {});

// Every field above, keys named as the reference's oracle (§19) names them.
rapidjson::Document search_state_json(const SearchState& state);
std::string to_json(const SearchState& state);

}  // namespace qtune::search
