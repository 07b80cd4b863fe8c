// Strategy "agent-hint": the reference's state machine rendered for a reader. It never
// writes a setting itself: it says which phase the search is in, which lever comes next
// with a paste-ready template, and (in Phase 5) the signals an agent composes from. An
// external agent or person writes the next setting.json (docs/agent_guide.md).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include "qtune/sdk.h"
#include "qtune/search/advice.h"
#include "qtune/search/json_util.h"
#include "qtune/search/search_options.h"
#include "qtune/search/state_machine.h"

namespace {

namespace search = qtune::search;
using rapidjson::Document;
using rapidjson::Value;

// {"next_step_hint": {keys merged into comparison.json's next_step_hint},
//  "search_state": {every fact of the decision}}
std::string hint_json(const search::SearchState& state) {
  Document hint(rapidjson::kObjectType);
  auto& a = hint.GetAllocator();
  Value next(rapidjson::kObjectType);
  if (state.template_json) {
    if (state.lever) next.AddMember("lever", Value(state.lever->c_str(), a), a);
    next.AddMember("template", Value(*state.template_json, a), a);
  }
  // The reference emits phase5_signals in Phase 5 only (§10).
  if (state.phase5_signals_emitted && state.phase5_signals)
    next.AddMember("phase5_signals", Value(*state.phase5_signals, a), a);
  hint.AddMember("next_step_hint", next, a);
  Document full = search::search_state_json(state);
  hint.AddMember("search_state", Value(full, a), a);
  return search::compact_json(hint);
}

std::string decision_reason(const search::SearchState& s) {
  if (s.phase4_reason) return s.phase4_reason == std::string("plateau") ? search::plateau_reason(s.constants)
                                                                         : "target_metric reached";
  if (s.phase5_trigger) return s.phase5_trigger_reason;
  if (s.lever) return fmt::format("{}: lever {} ({})", s.phase, *s.lever, s.route.value_or("linear"));
  return s.phase;
}

class AgentHint final : public qtune::Strategy {
 public:
  static qtune::OptionSchema option_schema() { return search::search_option_schema(); }

  qtune::StrategyDecision decide(qtune::StrategyContext& context, const qtune::OptionValues& options) override {
    const search::SearchState state =
        search::analyse_search(context.history(), search::constants_from_options(options));
    qtune::StrategyDecision d;
    d.phase = state.phase;
    d.advice = state.advice;
    d.reason = decision_reason(state);
    d.hint_json = hint_json(state);
    if (state.phase == search::kPhase4) {
      // target first: the state machine checks it before plateau (§5 steps 2 and 6).
      d.action = qtune::StrategyDecision::Action::Finalize;
      d.finalize_category = *state.phase4_reason;
    } else {
      d.action = qtune::StrategyDecision::Action::AwaitSetting;
    }
    return d;
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "agent-hint", "1.0.0",
             "the reference's phased search rendered as a hint (phase, lever, template, Phase-5 signals) for an "
             "external agent who writes the next setting",
             AgentHint)
