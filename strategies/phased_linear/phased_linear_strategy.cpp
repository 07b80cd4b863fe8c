// Strategy "phased-linear": the reference's phases acted on without an agent. Phases 1-4
// follow the reference state machine exactly (qtune_search_common); a Phase-3 lever's
// template placeholders are filled from the best iteration's artifacts, and a lever
// that cannot apply (plugin not installed, no qualifying layer) is skipped with its
// reason; Phase 5 is composed by phase5_planner.h. Two deliberate differences, both in
// docs/search.md: a target counts only once the full evaluation confirms it (qtune run
// records full_eval), and Phase-5 "improvement" means beyond the metric's sampling noise.
#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "lever_fill.h"
#include "phase5_planner.h"
#include "qtune/sdk.h"
#include "qtune/search/json_util.h"
#include "qtune/search/search_options.h"
#include "qtune/search/state_machine.h"
#include "qtune/search/templates.h"
#include "qtune/search/setting_edit.h"

namespace {

namespace search = qtune::search;
namespace phased = qtune::phased;
using qtune::History;
using qtune::IterationRow;
using qtune::StrategyDecision;

constexpr const char* kNoiseSigmas = "noise_sigmas";
constexpr const char* kMaxPhase5 = "max_phase5_iterations";

// The rows as the search should judge them: an iteration whose evaluate_fast() reached
// the target but whose confirming full evaluate() did not counts with the full value.
History judged_history(const History& rows) {
  History out;
  for (const auto& row : rows) {
    const auto& full = row.field("full_eval");
    if (!full.IsObject() || !qtune::json_finite(qtune::json_member(&full, "primary_value")) ||
        qtune::json_truthy(qtune::json_member(&full, "reaches_target"))) {
      out.push_back(row);
      continue;
    }
    IterationRow copy = row;
    copy.json = std::make_shared<rapidjson::Document>();
    copy.json->CopyFrom(*row.json, copy.json->GetAllocator());
    (*copy.json)["primary_value"].SetDouble(full["primary_value"].GetDouble());
    out.push_back(std::move(copy));
  }
  return out;
}

StrategyDecision iterate(const std::string& phase, const std::string& setting, const std::string& reason) {
  StrategyDecision d;
  d.action = StrategyDecision::Action::Iterate;
  d.phase = phase;
  d.setting_json = setting;
  d.reason = reason;
  d.advice = reason;
  return d;
}

StrategyDecision finalize(const std::string& phase, const std::string& category, const std::string& reason) {
  StrategyDecision d;
  d.action = StrategyDecision::Action::Finalize;
  d.phase = phase;
  d.finalize_category = category;
  d.reason = reason;
  d.advice = reason;
  return d;
}

std::string best_text(const IterationRow* best) {
  if (best == nullptr) return "no successful iteration";
  return fmt::format("best iter_{} ({}={})", best->id, best->primary_metric(), qtune::python_float_repr(best->value()));
}

class PhasedLinear final : public qtune::Strategy {
 public:
  static qtune::OptionSchema option_schema() {
    auto schema = search::search_option_schema();
    schema.push_back(qtune::make_option(
        kNoiseSigmas, qtune::OptionType::Float, 1.0,
        "Phase 5: an iteration improved only if it beats its prior best by more than this many standard errors of "
        "the difference (binomial, from metrics.json's sample count); 0 = any difference",
        0.0));
    schema.push_back(qtune::make_option(kMaxPhase5, qtune::OptionType::Int, std::int64_t{12},
                                        "Phase 5: iterations after which the search finalizes even if proposals remain",
                                        0.0));
    return schema;
  }

  StrategyDecision decide(qtune::StrategyContext& context, const qtune::OptionValues& options) override {
    const History rows = judged_history(context.history());
    if (rows.empty())
      return iterate(search::kPhase1, "{\"rationale\": \"default espdl_setting() baseline\"}",
                     "Phase 1: the baseline (kl calibration, no pass)");
    if (context.iterations_left() == 0)
      return finalize("budget", "budget_spent", "the user's iteration budget is spent");

    search::SearchConstants constants = search::constants_from_options(options);
    std::vector<std::pair<std::string, std::string>> skipped;
    search::SearchState state;
    phased::LeverPlan plan;
    while (true) {
      state = search::analyse_search(rows, constants);
      if (!state.lever || (state.phase != search::kPhase3Residual && state.phase != search::kPhase3Pivot)) break;
      plan = phased::plan_lever(*state.lever, best(rows, state), state.next_iteration_id, context);
      if (plan.skip_reason.empty()) break;
      // The lever cannot apply here: drop it from the linear order and decide again.
      skipped.emplace_back(*state.lever, plan.skip_reason);
      context.log().info(fmt::format("phased-linear: lever {} skipped: {}", *state.lever, plan.skip_reason));
      for (auto* order : {&constants.order_balanced, &constants.order_speed})
        order->erase(std::remove(order->begin(), order->end(), *state.lever), order->end());
      if (*state.lever == "3a-3") break;  // not in the linear order: cannot be dropped
    }
    StrategyDecision d = decide_phase(rows, state, plan, context, options);
    d.hint_json = hint(state, skipped);
    if (!skipped.empty()) {
      std::string text;
      for (const auto& [lever, why] : skipped) text += fmt::format("; lever {} skipped: {}", lever, why);
      d.reason += text;
    }
    return d;
  }

 private:
  static const IterationRow* best(const History& rows, const search::SearchState& state) {
    if (!state.best_iteration_id) return nullptr;
    for (const auto& row : rows)
      if (row.id == *state.best_iteration_id) return &row;
    return nullptr;
  }

  StrategyDecision decide_phase(const History& rows, const search::SearchState& state, const phased::LeverPlan& plan,
                                qtune::StrategyContext& context, const qtune::OptionValues& options) {
    const IterationRow* b = best(rows, state);
    if (state.phase == search::kPhase1)
      return iterate(state.phase, "{\"rationale\": \"default espdl_setting() baseline\"}", "Phase 1: the baseline");
    if (state.phase == search::kPhase4) {
      const std::string category = state.phase4_reason.value_or("target_reached");
      return finalize(state.phase, category, fmt::format("{}; {}", category, best_text(b)));
    }
    if (state.phase == search::kPhase2 && !context.pass_available("tqt_optimization"))
      return finalize(state.phase, "exhausted",
                      "Phase 2 sweeps calibration x TQT, and the 'tqt_optimization' pass plugin is not installed");
    if (state.phase == search::kPhase2) {
      auto s = std::make_shared<search::Document>();
      s->CopyFrom(*state.template_json, s->GetAllocator());
      const std::string calib = (*s)["calib_algorithm"].GetString();
      const std::string why = fmt::format("Phase 2: calibration {} with TQT at the default schedule (the calib x TQT "
                                          "sweep; {})",
                                          calib, best_text(b));
      return iterate(state.phase, search::setting_text(*s, why), why);
    }
    if (state.phase == search::kPhase3Residual || state.phase == search::kPhase3Pivot) {
      if (!plan.skip_reason.empty())
        return finalize(state.phase, "exhausted", fmt::format("lever {} cannot apply: {}", *state.lever, plan.skip_reason));
      static const rapidjson::Value empty(rapidjson::kObjectType);
      auto s = search::copy_setting(b ? b->setting() : empty);
      search::deep_merge(*s, *plan.snippet, s->GetAllocator());
      std::string why = fmt::format("{} lever {} ({}) on best iter_{} ({}){}{}", state.phase, *state.lever,
                                    phased::lever_summary(*state.lever), b ? b->id : 0,
                                    b ? phased::enabled_summary(b->setting()) : "", plan.evidence.empty() ? "" : "; ",
                                    plan.evidence);
      if (state.route == std::string("path1")) why += "; 3a-3 PATH 1: the latest TQT escalation regressed slightly";
      return iterate(state.phase, search::setting_text(*s, why), why);
    }
    // Phase 5: composed from the signals.
    if (b == nullptr) return finalize(state.phase, "exhausted", "no successful iteration to build on");
    const auto* count = qtune::json_member(state.phase5_signals.get(), "phase5_iteration_count");
    const std::int64_t cap = options.get_int(kMaxPhase5);
    if (qtune::json_numeric(count) && qtune::json_number(*count) >= static_cast<double>(cap))
      return finalize(state.phase, "phase5_budget",
                      fmt::format("{} Phase-5 iterations (max_phase5_iterations); {}", cap, best_text(b)));
    const qtune::NoiseRule noise{options.get_float(kNoiseSigmas), options.get_float(kNoiseSigmas) > 0};
    const auto proposal = phased::plan_phase5(rows, *b, state, context, noise);
    if (!proposal)
      return finalize(state.phase, "exhausted",
                      fmt::format("every Phase-5 pattern phased-linear composes was tried; {}", best_text(b)));
    return iterate(state.phase, search::setting_text(*proposal->setting, proposal->rationale), proposal->rationale);
  }

  static std::string hint(const search::SearchState& state, const std::vector<std::pair<std::string, std::string>>& skipped) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value next(rapidjson::kObjectType);
    if (state.lever) next.AddMember("lever", rapidjson::Value(state.lever->c_str(), a), a);
    if (state.phase5_signals_emitted && state.phase5_signals)
      next.AddMember("phase5_signals", rapidjson::Value(*state.phase5_signals, a), a);
    rapidjson::Value skips(rapidjson::kArrayType);
    for (const auto& [lever, why] : skipped) {
      rapidjson::Value e(rapidjson::kObjectType);
      e.AddMember("lever", rapidjson::Value(lever.c_str(), a), a);
      e.AddMember("reason", rapidjson::Value(why.c_str(), a), a);
      skips.PushBack(e, a);
    }
    next.AddMember("levers_not_applicable", skips, a);
    doc.AddMember("next_step_hint", next, a);
    auto full = search::search_state_json(state);
    doc.AddMember("search_state", rapidjson::Value(full, a), a);
    return search::compact_json(doc);
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "phased-linear", "1.0.0",
             "the reference's phases 1-4 acted on without an agent, Phase 5 composed from its signals", PhasedLinear)
