#include "qtune/search/state_machine.h"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "qtune/search/advice.h"
#include "qtune/search/json_util.h"
#include "qtune/search/lever_fingerprints.h"
#include "qtune/search/path_triggers.h"
#include "qtune/search/phase2_coverage.h"
#include "qtune/search/phase5_patterns.h"
#include "qtune/search/templates.h"

namespace qtune::search {
namespace {

using rapidjson::Document;

std::shared_ptr<Document> shared(Document d) { return std::make_shared<Document>(std::move(d)); }

// The facts every phase reports, whatever the decision (§19's oracle fields).
void collect_facts(SearchState& s, const History& rows, const IterationRow* best) {
  const SearchConstants& c = s.constants;
  for (const IterationRow& row : rows) s.iteration_ids.push_back(row.id);
  s.next_iteration_id = rows.empty() ? 0 : *std::max_element(s.iteration_ids.begin(), s.iteration_ids.end()) + 1;
  if (best != nullptr) {
    s.best_iteration_id = best->id;
    auto doc = std::make_shared<Document>(rapidjson::kObjectType);
    auto& a = doc->GetAllocator();
    doc->AddMember("iteration_id", best->id, a);
    doc->AddMember("primary_value", JsonValue(best->primary_value(), a), a);
    doc->AddMember("metric_direction", json_string(best->metric_direction(), a), a);
    doc->AddMember("dir", json_string(best->dir.string(), a), a);
    s.best_iteration = doc;
  }
  // §2.4: the direction of a target is the best row's (max when there is none).
  const std::string direction = best != nullptr ? best->metric_direction() : "max";
  s.runtime_priority = runtime_priority(rows);
  s.target_metric = target_metric(rows);
  s.target_reached = target_reached(rows, s.target_metric, direction);
  s.plateau = plateau(rows, best, PlateauRule{c.plateau_window, c.plateau_rel_tol});
  s.phase3_iteration_count = phase3_iteration_count(rows);
  s.phase2_calibs_covered = phase2_calibs_covered(rows, c);
  for (const std::string& lever : all_lever_ids()) s.lever_tried.emplace_back(lever, lever_tried(rows, lever));
  s.all_phase3_levers_tried = all_phase3_levers_covered(rows, best, c);
  s.path1_trigger = path1_fires(rows, best, c);
  s.path2_eligible = path2_eligible(rows, best);
  s.r8 = r8_check_for_best(best, c);
  const DenseRanks ranks = dense_ranks(rows);
  for (const IterationRow& row : rows) {
    const auto it = ranks.rank.find(row.id);
    s.ranks[row.id] = it != ranks.rank.end() ? std::optional<int>(it->second) : std::nullopt;
    s.runtime_cost[row.id] = runtime_cost(row.setting());
  }
  s.ranking_warnings = ranks.warnings;
  s.phase5_cutoff_iter_id = phase5_cutoff_iter_id(rows, c);
  s.phase5_pattern_coverage = phase5_pattern_coverage(rows, s.phase5_cutoff_iter_id);
  s.untried_phase5_patterns_raw = untried_phase5_patterns_raw(s.phase5_pattern_coverage);
  s.phase5_signals = shared(phase5_signals(rows, best, c));
  s.phase5_advice = phase5_advice(rows, best, *s.phase5_signals, kPhase5DefaultTrigger, {}, c);
}

void enter_phase5(SearchState& s, const History& rows, const IterationRow* best, const char* trigger,
                  std::string reason) {
  s.phase = kPhase5;
  s.phase5_trigger = trigger;
  s.phase5_trigger_reason = std::move(reason);
  s.phase5_signals_emitted = true;
  // Only the all-levers trigger passes the skipped levers to the advice (§5 step 3 vs 8).
  const bool with_skips = std::string(trigger) == "all_levers_tried";
  s.skipped_levers_in_hint = with_skips && !s.skipped_levers.empty();
  s.advice = phase5_advice(rows, best, *s.phase5_signals, s.phase5_trigger_reason,
                           with_skips ? s.skipped_levers : std::vector<SkippedLever>{}, s.constants);
}

void enter_phase3(SearchState& s, const IterationRow* best, const std::string& lever, const char* phase,
                  const char* route) {
  s.phase = phase;
  s.lever = lever;
  s.route = route;
  s.pivot = std::string(phase) == kPhase3Pivot;
  s.template_json = shared(phase3_template(lever, s.next_iteration_id, best));
  Phase3Notes notes;
  if (std::string(route) == "path1") notes.path1_latest_id = s.iteration_ids.back();
  notes.path2_note = std::string(route) == "path2_note";
  if (lever == "3c") notes.r8_reason = s.r8.reason;
  s.advice = phase3_advice(lever, best, s.next_iteration_id, *s.template_json, notes);
}

// §5 step 7: the first untried lever of the priority order; 3c is skipped (and recorded)
// when R8 does not fire on the current best.
std::optional<std::string> next_lever_with_skips(SearchState& s, const History& rows) {
  for (const std::string& lever : phase3_order_for(s.runtime_priority, s.constants)) {
    if (lever_tried(rows, lever)) continue;
    if (lever == "3c" && !s.r8.fires) {
      s.skipped_levers.push_back({lever, s.r8.reason});
      continue;
    }
    return lever;
  }
  return std::nullopt;
}

}  // namespace

SearchState analyse_search(const History& rows, const SearchConstants& constants) {
  SearchState s;
  s.constants = constants;
  const IterationRow* best = best_iteration(rows);
  collect_facts(s, rows, best);
  const SearchConstants& c = constants;

  // §5: strictly in this order, first match wins.
  if (rows.empty()) {  // 1
    s.phase = kPhase1;
    s.advice = phase1_advice();
    return s;
  }
  if (s.target_reached) {  // 2
    s.phase = kPhase4;
    s.phase4_reason = "target_reached";
    s.advice = phase4_advice("target_metric reached", best, s.target_metric);
    return s;
  }
  if (s.phase3_iteration_count >= c.phase3_cap) {  // 3: before Phase-2 coverage and plateau (§17.2)
    enter_phase5(s, rows, best, "phase3_cap",
                 fmt::format("Phase-3 budget reached ({} iterations after Phase-2) without meeting target_metric",
                             c.phase3_cap));
    return s;
  }
  if (const auto calib = first_uncovered_calib(rows, c)) {  // 4
    s.phase = kPhase2;
    s.template_json = shared(phase2_template(s.next_iteration_id, *calib));
    std::vector<std::string> remaining;
    bool after = false;
    for (const std::string& leg : c.sweep_order) {
      if (leg == *calib) after = true;
      else if (after && !phase2_calib_covered(rows, leg, c)) remaining.push_back(leg);
    }
    s.advice = phase2_advice(*calib, remaining, *s.template_json);
    return s;
  }
  if (s.path1_trigger && !lever_tried(rows, "3a-3")) {  // 5
    enter_phase3(s, best, "3a-3", kPhase3Residual, "path1");
    return s;
  }
  if (s.plateau) {  // 6
    s.phase = kPhase4;
    s.phase4_reason = "plateau";
    s.advice = phase4_advice(plateau_reason(c), best, s.target_metric);
    return s;
  }
  const auto lever = next_lever_with_skips(s, rows);  // 7
  if (!lever) {                                       // 8
    enter_phase5(s, rows, best, "all_levers_tried", "all linear-order Phase-3 levers tried (or skipped by trigger)");
    return s;
  }
  const bool gap_shrink_lever = *lever == "3b" || *lever == "3c" || *lever == "3d";
  if (gap_shrink_lever && !lever_tried(rows, "3a-3") && s.path2_eligible) {  // 10: never a pivot
    enter_phase3(s, best, *lever, kPhase3Residual, "path2_note");
    return s;
  }
  enter_phase3(s, best, *lever, pivot_due(rows, best) ? kPhase3Pivot : kPhase3Residual, "linear");  // 11
  return s;
}

Document search_state_json(const SearchState& s) {
  Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto opt_string = [&](const std::optional<std::string>& v) { return v ? json_string(*v, a) : JsonValue(); };
  auto strings = [&](const std::vector<std::string>& v) {
    JsonValue out(rapidjson::kArrayType);
    for (const auto& x : v) out.PushBack(json_string(x, a), a);
    return out;
  };
  auto copy_or_null = [&](const std::shared_ptr<Document>& v) { return v ? JsonValue(*v, a) : JsonValue(); };

  d.AddMember("phase", json_string(s.phase, a), a);
  d.AddMember("lever", opt_string(s.lever), a);
  d.AddMember("route", opt_string(s.route), a);
  d.AddMember("pivot", s.pivot, a);
  d.AddMember("phase4_reason", opt_string(s.phase4_reason), a);
  d.AddMember("phase5_trigger", opt_string(s.phase5_trigger), a);
  d.AddMember("phase5_trigger_reason", s.phase5_trigger ? json_string(s.phase5_trigger_reason, a) : JsonValue(), a);
  JsonValue skipped_ids(rapidjson::kArrayType), skipped(rapidjson::kArrayType);
  for (const SkippedLever& k : s.skipped_levers) {
    skipped_ids.PushBack(json_string(k.lever, a), a);
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("lever", json_string(k.lever, a), a).AddMember("reason", json_string(k.reason, a), a);
    skipped.PushBack(e, a);
  }
  d.AddMember("skipped_lever_ids", skipped_ids, a);
  d.AddMember("skipped_levers", skipped, a);
  d.AddMember("skipped_levers_in_hint", s.skipped_levers_in_hint, a);
  d.AddMember("template", copy_or_null(s.template_json), a);
  d.AddMember("next_iteration_id", s.next_iteration_id, a);
  JsonValue ids(rapidjson::kArrayType);
  for (int id : s.iteration_ids) ids.PushBack(id, a);
  d.AddMember("iteration_ids", ids, a);
  d.AddMember("best_iteration", copy_or_null(s.best_iteration), a);
  d.AddMember("best_iteration_id", s.best_iteration_id ? JsonValue(*s.best_iteration_id) : JsonValue(), a);
  d.AddMember("runtime_priority", json_string(s.runtime_priority, a), a);
  d.AddMember("target_metric", s.target_metric ? JsonValue(*s.target_metric) : JsonValue(), a);
  d.AddMember("target_reached", s.target_reached, a);
  d.AddMember("plateau", s.plateau, a);
  d.AddMember("phase3_iteration_count", s.phase3_iteration_count, a);
  d.AddMember("phase2_calibs_covered", strings(s.phase2_calibs_covered), a);
  JsonValue tried(rapidjson::kObjectType);
  for (const auto& [lever, yes] : s.lever_tried) tried.AddMember(json_string(lever, a), JsonValue(yes), a);
  d.AddMember("lever_tried", tried, a);
  d.AddMember("all_phase3_levers_tried", s.all_phase3_levers_tried, a);
  d.AddMember("path1_trigger", s.path1_trigger, a);
  d.AddMember("path2_eligible", s.path2_eligible, a);
  JsonValue r8(rapidjson::kObjectType);
  r8.AddMember("fires", s.r8.fires, a).AddMember("reason", json_string(s.r8.reason, a), a);
  d.AddMember("r8", r8, a);
  JsonValue ranks(rapidjson::kObjectType);
  for (const auto& [id, rank] : s.ranks)
    ranks.AddMember(json_string(std::to_string(id), a), rank ? JsonValue(*rank) : JsonValue("-"), a);
  d.AddMember("ranks", ranks, a);
  d.AddMember("ranking_warnings", strings(s.ranking_warnings), a);
  JsonValue costs(rapidjson::kObjectType);
  for (const auto& [id, cost] : s.runtime_cost) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("affects_speed", cost.affects_speed, a).AddMember("label", json_string(cost.label, a), a);
    e.AddMember("reasons", strings(cost.reasons), a);
    costs.AddMember(json_string(std::to_string(id), a), e, a);
  }
  d.AddMember("runtime_cost", costs, a);
  d.AddMember("phase5_cutoff_iter_id", s.phase5_cutoff_iter_id, a);
  JsonValue coverage(rapidjson::kObjectType);
  for (const std::string& p : phase5_pattern_ids()) {
    JsonValue list(rapidjson::kArrayType);
    if (const auto it = s.phase5_pattern_coverage.find(p); it != s.phase5_pattern_coverage.end())
      for (int id : it->second) list.PushBack(id, a);
    coverage.AddMember(json_string(p, a), list, a);
  }
  d.AddMember("phase5_pattern_coverage", coverage, a);
  d.AddMember("untried_phase5_patterns_raw", strings(s.untried_phase5_patterns_raw), a);
  d.AddMember("phase5_signals_emitted", s.phase5_signals_emitted, a);
  d.AddMember("phase5_signals", copy_or_null(s.phase5_signals), a);
  const SearchConstants& c = s.constants;
  JsonValue constants(rapidjson::kObjectType);
  constants.AddMember("phase3_cap", c.phase3_cap, a).AddMember("plateau_window", c.plateau_window, a);
  constants.AddMember("plateau_rel_tol", c.plateau_rel_tol, a);
  constants.AddMember("r8_max_snr_primary", c.r8_max_snr_primary, a);
  constants.AddMember("r8_max_snr_upper", c.r8_max_snr_upper, a);
  constants.AddMember("r8_std_ratio_reinforce", c.r8_std_ratio_reinforce, a);
  constants.AddMember("r8_activation_veto_ratio", c.r8_activation_veto_ratio, a);
  constants.AddMember("path1_rel_tol", c.path1_rel_tol, a);
  constants.AddMember("sweep_order", strings(c.sweep_order), a);
  constants.AddMember("order_balanced", strings(c.order_balanced), a);
  constants.AddMember("order_speed", strings(c.order_speed), a);
  d.AddMember("constants", constants, a);
  d.AddMember("advice", json_string(s.advice, a), a);
  d.AddMember("phase5_advice", json_string(s.phase5_advice, a), a);
  return d;
}

std::string to_json(const SearchState& state) {
  return compact_json(search_state_json(state));
}

}  // namespace qtune::search
