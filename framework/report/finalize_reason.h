#pragma once
// Why a run was finalized (reference §8 step 4): the category and the facts the report's
// "Stop reason" section and comparison.json's next_step_hint.finalize_reason show.
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "qtune/history.h"

namespace qtune::report {

// The reference's categories, and qtune's fallback for a strategy that stops for a reason
// of its own without naming it.
inline constexpr const char* kTargetReached = "target_reached";
inline constexpr const char* kPlateau = "plateau";
inline constexpr const char* kForceFinalizePhase5 = "force_finalize_phase5";
inline constexpr const char* kManualFinalizePhase4 = "manual_finalize_phase4";
inline constexpr const char* kManualFinalizePrePhase5 = "manual_finalize_pre_phase5";
inline constexpr const char* kStrategyFinalize = "strategy_finalize";

inline constexpr const char* kPhase4 = "phase-4-final-report";
inline constexpr const char* kPhase5 = "phase-5-agent-driven";

struct FinalizeRequest {
  bool strategy_finalizes = false;  // the strategy's decision is Finalize ("auto")
  std::string strategy_category;    // its finalize_category ("" = none given)
  bool finalize = false;            // --finalize
  bool force_finalize = false;      // --force-finalize
  std::string phase;                // the decision's phase
  bool target_met = false;
  bool plateau_reached = false;
};

// The category, or "" when nothing is finalized. First match: the strategy finalizes ->
// its own category, else target_reached / plateau / strategy_finalize; --finalize with
// --force-finalize in phase 5 -> force_finalize_phase5; --finalize in phase 4 ->
// manual_finalize_phase4; --finalize -> manual_finalize_pre_phase5 (also, as in the
// reference, in phase 5 when a plateau lets a bare --finalize through).
std::string finalize_category(const FinalizeRequest& request);

// Signed gap to the target: target - best (max) / best - target (min); nullopt unless
// both are numbers. Negative once the target is exceeded (the reference's JSON field).
std::optional<double> gap_to_target(const IterationRow* best, std::optional<double> target);

// The finalize_reason object: {category, best_iteration_id, best_primary_value,
// target_metric, gap_to_target} + plateau_window / plateau_recent_values (plateau) +
// the untried lists and counts from `phase5_signals` (force_finalize_phase5, and any
// category that is not the reference's when signals are given) + "reason" (the
// strategy's words, for categories that are not the reference's).
rapidjson::Document finalize_reason(const std::string& category, const History& rows, const IterationRow* best,
                                    std::optional<double> target, const PlateauRule& plateau_rule,
                                    const rapidjson::Value* phase5_signals, const std::string& strategy_reason = "");

// "a, b" of a JSON list (Phase-5 pattern ids shown with their labels, e.g. "5alpha STACK"
// when `pattern_labels`), "(none)" when empty or absent.
std::string untried_list_text(const rapidjson::Value* list, bool pattern_labels);

// Whether `category` is one of the reference's five.
bool is_reference_category(const std::string& category);

}  // namespace qtune::report
