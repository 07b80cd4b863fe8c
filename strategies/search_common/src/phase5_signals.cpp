#include "qtune/search/phase5_signals.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "qtune/search/json_util.h"
#include "qtune/search/lever_fingerprints.h"
#include "qtune/search/phase2_coverage.h"
#include "qtune/search/phase5_patterns.h"
#include "qtune/search/r8_trigger.h"

namespace qtune::search {
namespace {

using rapidjson::Document;
using rapidjson::StringRef;

// §7.4 / §7.2 take the direction from the FIRST row (rows sorted by id), not from best.
std::string first_row_direction(const History& rows) {
  return rows.empty() ? std::string("max") : ascii_lower(rows.front().metric_direction());
}

bool better(double v, double than, bool max) { return max ? v > than : v < than; }

// §7.3: the best row among those with a smaller id and a finite value (ties -> smallest id).
const IterationRow* prior_best(const History& rows, std::size_t index, bool max) {
  const IterationRow* best = nullptr;
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const IterationRow& r = rows[j];
    if (r.id >= rows[index].id || !r.has_finite_value()) continue;
    if (best == nullptr || better(r.value(), best->value(), max) ||
        (r.value() == best->value() && r.id < best->id))
      best = &r;
  }
  return best;
}

bool strict_subset(const std::set<std::string>& small, const std::set<std::string>& large) {
  return small.size() < large.size() && std::includes(large.begin(), large.end(), small.begin(), small.end());
}

JsonValue string_array(const std::vector<std::string>& items, JsonAllocator& a) {
  JsonValue out(rapidjson::kArrayType);
  for (const std::string& s : items) out.PushBack(json_string(s, a), a);
  return out;
}

JsonValue first_entries(const JsonValue& list, rapidjson::SizeType n, JsonAllocator& a) {
  JsonValue out(rapidjson::kArrayType);
  if (!list.IsArray()) return out;
  for (rapidjson::SizeType i = 0; i < list.Size() && i < n; ++i) out.PushBack(JsonValue(list[i], a), a);
  return out;
}

JsonValue label_value(const std::optional<std::string>& label, JsonAllocator& a) {
  return label ? json_string(*label, a) : JsonValue();
}

JsonValue best_setting_summary(const IterationRow& best, JsonAllocator& a) {
  const JsonValue& s = best.setting();
  JsonValue summary(rapidjson::kObjectType);
  const JsonValue* calib = json_member(&s, "calib_algorithm");
  summary.AddMember("calib_algorithm", json_truthy(calib) ? JsonValue(*calib, a) : JsonValue("kl", a), a);
  const JsonValue* tqt = object_block(s, "tqt_optimization");
  summary.AddMember("tqt", tqt != nullptr && tqt->MemberCount() > 0 ? JsonValue(*tqt, a) : JsonValue(), a);
  std::vector<std::string> passes;
  if (block_enabled(s, "equalization")) passes.emplace_back("equalization");
  if (block_enabled(s, "bias_correct")) passes.emplace_back("bias_correct");
  if (json_truthy(json_member(&s, "fusion_alignment"))) passes.emplace_back("fusion_alignment");
  if (block_enabled(s, "weight_split")) passes.emplace_back("weight_split");
  if (block_enabled(s, "blockwise_reconstruction")) passes.emplace_back("blockwise_reconstruction");
  if (block_enabled(s, "tqt_optimization")) passes.emplace_back("tqt_optimization");
  std::size_t int16 = 0;  // here a nameless entry counts too
  if (const JsonValue* table = json_member(&s, "dispatching_table"); table != nullptr && table->IsArray())
    for (const JsonValue& e : table->GetArray())
      if (e.IsObject() && json_equals_number(json_member(&e, "bits"), 16)) ++int16;
  if (int16 > 0) passes.push_back(fmt::format("dispatching_table(int16x{})", int16));
  summary.AddMember("enabled_passes", string_array(passes, a), a);
  const RuntimeCost cost = runtime_cost(s);
  summary.AddMember("affects_inference_speed", cost.affects_speed, a);
  summary.AddMember("affects_inference_speed_label", json_string(cost.label, a), a);
  return summary;
}

}  // namespace

bool all_phase3_levers_covered(const History& rows, const IterationRow* best, const SearchConstants& constants) {
  for (const std::string& lever : phase3_order_for(runtime_priority(rows), constants)) {
    if (lever_tried(rows, lever)) continue;
    if (lever == "3c" && !r8_check_for_best(best, constants).fires) continue;
    return false;
  }
  return true;
}

std::vector<std::string> untried_phase3_levers(const History& rows, const IterationRow* best,
                                               const SearchConstants& constants) {
  std::vector<std::string> untried;
  for (const std::string& lever : phase3_order_for(runtime_priority(rows), constants)) {
    if (lever_tried(rows, lever)) continue;
    if (lever == "3c" && !r8_check_for_best(best, constants).fires) continue;
    untried.push_back(lever);
  }
  return untried;
}

int phase5_cutoff_iter_id(const History& rows, const SearchConstants& constants) {
  // Unlike suggest_next: Phase-2 coverage first, no plateau, no path 1, first row's direction.
  const std::string direction = first_row_direction(rows);
  History prefix;
  for (const IterationRow& row : rows) {
    prefix.push_back(row);
    if (first_uncovered_calib(prefix, constants)) continue;
    if (target_reached(prefix, target_metric(prefix), direction)) continue;
    const IterationRow* best = best_iteration(prefix);
    if (phase3_iteration_count(prefix) >= constants.phase3_cap || all_phase3_levers_covered(prefix, best, constants))
      return prefix.back().id;
  }
  return -1;
}

PatternCoverage phase5_pattern_coverage(const History& rows, int cutoff) {
  PatternCoverage coverage;
  for (const std::string& p : phase5_pattern_ids()) coverage[p];
  if (cutoff < 0) return coverage;
  const bool max = first_row_direction(rows) != "min";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].id <= cutoff) continue;
    const IterationRow* prior = prior_best(rows, i, max);
    if (prior == nullptr) continue;  // no finite predecessor: ignored
    for (const std::string& p : classify_phase5_patterns(prior->setting(), rows[i].setting()))
      coverage[p].push_back(rows[i].id);
  }
  return coverage;
}

std::vector<std::string> untried_phase5_patterns_raw(const PatternCoverage& coverage) {
  std::vector<std::string> untried;
  for (const std::string& p : phase5_pattern_ids()) {
    const auto it = coverage.find(p);
    if (it == coverage.end() || it->second.empty()) untried.push_back(p);
  }
  return untried;
}

std::vector<LeverMove> improving_levers(const History& rows) {
  std::vector<LeverMove> moves;
  const bool max = rows.empty() || rows.front().metric_direction() == "max";
  const IterationRow* best_so_far = nullptr;
  for (const IterationRow& row : rows) {
    if (!row.has_finite_value()) continue;
    if (best_so_far == nullptr) {
      best_so_far = &row;  // seeds, not recorded
      continue;
    }
    if (better(row.value(), best_so_far->value(), max)) {  // ties do not update
      moves.push_back({row.id, row.value() - best_so_far->value(),
                       phase5_lever_label_for(best_so_far->setting(), row.setting()), &row.primary_value()});
      best_so_far = &row;
    }
  }
  return moves;
}

std::vector<LeverMove> regressing_levers(const History& rows) {
  std::vector<LeverMove> moves;
  const bool max = rows.empty() || rows.front().metric_direction() == "max";
  const IterationRow* best_so_far = nullptr;
  for (const IterationRow& row : rows) {
    if (!row.has_finite_value()) continue;
    if (best_so_far == nullptr) {
      best_so_far = &row;
      continue;
    }
    const bool worse = better(best_so_far->value(), row.value(), max);
    if (worse && row.id > 0)
      moves.push_back({row.id, row.value() - best_so_far->value(),
                       phase5_lever_label_for(best_so_far->setting(), row.setting()), nullptr});
    else
      best_so_far = &row;  // better or equal (and, as in the reference, a worse id 0)
  }
  return moves;
}

std::vector<std::string> untried_5beta_reapply(const History& rows, const IterationRow* best) {
  if (best == nullptr) return {};
  const bool max = first_row_direction(rows) != "min";
  // Every calibration swap vs the best before it is a 5beta attempt, Phase-2 legs included
  // (§17.10); per calibration keep the deepest stack (a later strict superset replaces).
  std::map<std::string, std::set<std::string>> deepest;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const IterationRow* prior = prior_best(rows, i, max);
    if (prior == nullptr) continue;
    const std::string calib = calib_lower(rows[i].setting());
    if (calib_lower(prior->setting()) == calib) continue;
    std::set<std::string> stack = phase5_lever_stack(rows[i].setting());
    auto it = deepest.find(calib);
    if (it == deepest.end()) deepest.emplace(calib, std::move(stack));
    else if (strict_subset(it->second, stack)) it->second = std::move(stack);
  }
  const std::set<std::string> best_stack = phase5_lever_stack(best->setting());
  std::vector<std::string> out;
  for (const auto& [calib, stack] : deepest)  // alphabetical
    if (strict_subset(stack, best_stack)) out.push_back(calib);
  return out;
}

Document phase5_signals(const History& rows, const IterationRow* best, const SearchConstants& constants) {
  Document d(rapidjson::kObjectType);
  if (best == nullptr) return d;
  auto& a = d.GetAllocator();
  const int cutoff = phase5_cutoff_iter_id(rows, constants);
  const PatternCoverage coverage = phase5_pattern_coverage(rows, cutoff);
  const std::vector<std::string> reapply = untried_5beta_reapply(rows, best);
  std::vector<std::string> untried_patterns = untried_phase5_patterns_raw(coverage);
  if (!reapply.empty() && std::find(untried_patterns.begin(), untried_patterns.end(), "5beta") == untried_patterns.end())
    untried_patterns.emplace_back("5beta");  // appended at the end, after the canonical ones

  d.AddMember("best_iteration_dir", json_string(best->dir.string(), a), a);
  d.AddMember("best_iteration_id", best->id, a);
  d.AddMember("best_primary_value", JsonValue(best->primary_value(), a), a);
  d.AddMember("best_setting_summary", best_setting_summary(*best, a), a);
  d.AddMember("iteration_count_total", static_cast<int>(rows.size()), a);
  int phase5_count = 0;
  if (cutoff >= 0)
    for (const IterationRow& row : rows) phase5_count += row.id > cutoff ? 1 : 0;  // > cutoff, not >= (§17.16)
  d.AddMember("phase5_iteration_count", phase5_count, a);
  d.AddMember("phase5_cutoff_iter_id", cutoff, a);
  JsonValue cov(rapidjson::kObjectType);
  for (const std::string& p : phase5_pattern_ids()) {
    JsonValue ids(rapidjson::kArrayType);
    for (int id : coverage.at(p)) ids.PushBack(id, a);
    cov.AddMember(json_string(p, a), ids, a);
  }
  d.AddMember("phase5_pattern_coverage", cov, a);
  d.AddMember("untried_phase5_patterns", string_array(untried_patterns, a), a);
  d.AddMember("untried_phase3_levers", string_array(untried_phase3_levers(rows, best, constants), a), a);
  d.AddMember("untried_5beta_reapply", string_array(reapply, a), a);

  JsonValue improving(rapidjson::kArrayType);
  for (const LeverMove& m : improving_levers(rows)) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("iter", m.iter, a).AddMember("delta_vs_prior_best", m.delta, a);
    e.AddMember("added_pass", label_value(m.label, a), a);
    e.AddMember("primary_value", JsonValue(*m.value, a), a);
    improving.PushBack(e, a);
  }
  d.AddMember("improving_levers", improving, a);
  JsonValue regressing(rapidjson::kArrayType);
  for (const LeverMove& m : regressing_levers(rows)) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("iter", m.iter, a).AddMember("delta_vs_prior_best", m.delta, a);
    e.AddMember("added_pass", label_value(m.label, a), a);
    regressing.PushBack(e, a);
  }
  d.AddMember("regressing_levers", regressing, a);

  std::vector<std::string> swaps;
  const std::string best_calib = calib_lower(best->setting());
  for (const std::string& calib : constants.sweep_order)
    if (calib != best_calib && phase2_calib_covered(rows, calib, constants)) swaps.push_back(calib);
  d.AddMember("untried_calib_swaps", string_array(swaps, a), a);

  const JsonValue& top5 = best->field("top_5_error_layers");
  d.AddMember("top_error_layers", json_truthy(&top5) ? JsonValue(top5, a) : JsonValue(rapidjson::kArrayType), a);
  const Document hot_ops = read_iteration_artifact(*best, "non_computing_hot_ops.json");
  d.AddMember("non_computing_hot_ops_top3", first_entries(hot_ops, 3, a), a);
  const Document jumps = read_iteration_artifact(*best, "graphwise_jumps.json");
  d.AddMember("graphwise_jumps_top3", first_entries(jumps, 3, a), a);
  d.AddMember("artifacts_to_read",
              string_array({"layerwise_error.json", "layer_stats.json", "layer_stats_full.json",
                            "non_computing_hot_ops.json", "graphwise_jumps.json"},
                           a),
              a);
  return d;
}

}  // namespace qtune::search
