#include "report/finalize_reason.h"

#include <algorithm>
#include <map>

namespace qtune::report {
namespace {

// Keys copied from phase5_signals into a finalize_reason that lists what was left untried.
const char* const kUntriedKeys[] = {"untried_phase5_patterns", "untried_phase3_levers", "untried_5beta_reapply",
                                    "phase5_iteration_count", "iteration_count_total"};

const std::map<std::string, std::string> kPatternLabels = {
    {"5alpha", "5alpha STACK"}, {"5beta", "5beta CROSS-POLLINATE"}, {"5gamma", "5gamma ABLATE"},
    {"5delta", "5delta DIVE-INTO-ARTIFACTS"}};

}  // namespace

std::string untried_list_text(const rapidjson::Value* list, bool pattern_labels) {
  std::string out;
  if (list && list->IsArray())
    for (const auto& item : list->GetArray()) {
      std::string text = item.IsString() ? std::string(item.GetString(), item.GetStringLength()) : python_str(&item);
      if (pattern_labels)
        if (auto it = kPatternLabels.find(text); it != kPatternLabels.end()) text = it->second;
      out += (out.empty() ? "" : ", ") + text;
    }
  return out.empty() ? "(none)" : out;
}

std::string finalize_category(const FinalizeRequest& r) {
  if (r.strategy_finalizes) {
    if (!r.strategy_category.empty()) return r.strategy_category;
    if (r.target_met) return kTargetReached;
    if (r.plateau_reached) return kPlateau;
    return kStrategyFinalize;
  }
  if (!r.finalize) return "";
  if (r.force_finalize && r.phase == kPhase5) return kForceFinalizePhase5;
  if (r.phase == kPhase4) return kManualFinalizePhase4;
  return kManualFinalizePrePhase5;
}

bool is_reference_category(const std::string& category) {
  for (const char* c : {kTargetReached, kPlateau, kForceFinalizePhase5, kManualFinalizePhase4, kManualFinalizePrePhase5})
    if (category == c) return true;
  return false;
}

std::optional<double> gap_to_target(const IterationRow* best, std::optional<double> target) {
  if (!best || !target || !json_numeric(&best->primary_value())) return std::nullopt;
  const double value = best->value();
  return best->metric_direction() == "max" ? *target - value : value - *target;
}

rapidjson::Document finalize_reason(const std::string& category, const History& rows, const IterationRow* best,
                                    std::optional<double> target, const PlateauRule& plateau_rule,
                                    const rapidjson::Value* phase5_signals, const std::string& strategy_reason) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto number_or_null = [](std::optional<double> v) { return v ? rapidjson::Value(*v) : rapidjson::Value(); };
  doc.AddMember("category", rapidjson::Value(category.c_str(), a), a);
  doc.AddMember("best_iteration_id", best ? rapidjson::Value(best->id) : rapidjson::Value(), a);
  rapidjson::Value best_value;
  if (best) best_value.CopyFrom(best->primary_value(), a);
  doc.AddMember("best_primary_value", best_value, a);
  doc.AddMember("target_metric", number_or_null(target), a);
  doc.AddMember("gap_to_target", number_or_null(gap_to_target(best, target)), a);

  if (category == kPlateau) {
    doc.AddMember("plateau_window", rapidjson::Value(plateau_rule.window), a);
    rapidjson::Value recent(rapidjson::kArrayType);
    const std::size_t window = static_cast<std::size_t>(std::max(plateau_rule.window, 0));
    const std::size_t first = rows.size() > window ? rows.size() - window : 0;
    for (std::size_t i = first; i < rows.size(); ++i) {
      rapidjson::Value entry(rapidjson::kObjectType);
      entry.AddMember("iteration_id", rapidjson::Value(rows[i].id), a);
      rapidjson::Value v;
      v.CopyFrom(rows[i].primary_value(), a);
      entry.AddMember("primary_value", v, a);
      recent.PushBack(entry, a);
    }
    doc.AddMember("plateau_recent_values", recent, a);
  }
  const bool own_category = !is_reference_category(category);
  if ((category == kForceFinalizePhase5 || own_category) && phase5_signals && phase5_signals->IsObject()) {
    for (const char* key : kUntriedKeys) {
      rapidjson::Value v;
      if (const rapidjson::Value* found = json_member(phase5_signals, key)) v.CopyFrom(*found, a);
      else if (own_category) continue;
      doc.AddMember(rapidjson::Value(key, a), v, a);
    }
  }
  if (own_category && !strategy_reason.empty())
    doc.AddMember("reason", rapidjson::Value(strategy_reason.c_str(), a), a);
  return doc;
}

}  // namespace qtune::report
