#pragma once
// Phase 5 without an agent. The reference hands Phase 5 to an agent with signals
// (phase5_signals) and four patterns; phased-linear composes the next setting itself from
// the same signals, in this order, skipping any setting that already ran:
//   1. STACK an untried Phase-3 lever onto best (left uncovered by the Phase-3 cap),
//   2. 5beta-reapply: re-test a calibration on best's deeper stack,
//   3. CROSS-POLLINATE: best's stack with another Phase-2-covered calibration,
//   4. STACK the component of an iteration that improved on its prior best beyond the
//      metric's noise but is not in best,
//   5. TUNE one parameter of an enabled pass (the tunable-parameter advisory),
//   6. ABLATE a component of best that costs on-device speed (int16 op, weight split).
// Nothing left: the search is exhausted and the run finalizes.
#include <optional>
#include <string>

#include "qtune/history.h"
#include "qtune/search/state_machine.h"
#include "qtune/strategy.h"
#include "qtune/search/setting_edit.h"

namespace qtune::phased {

using search::Document;
using search::copy_setting;
using search::deep_merge;
using search::setting_text;
using search::already_run;
using search::enabled_summary;

struct Proposal {
  std::string pattern;                 // "5alpha", "5beta", "5gamma", "5delta"
  std::shared_ptr<Document> setting;   // the full next setting (no iteration_id / rationale)
  std::string rationale;               // cites the iterations behind it
};

std::optional<Proposal> plan_phase5(const History& rows, const IterationRow& best, const search::SearchState& state,
                                    StrategyContext& context, const NoiseRule& noise);

}  // namespace qtune::phased
