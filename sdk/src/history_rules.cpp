// The comparator's shared predicates (reference §2.1-2.5, 2.9): best, dense ranks,
// target, plateau, runtime priority and the on-device speed cost of a setting.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "qtune/history.h"

namespace qtune {
namespace {

std::vector<const IterationRow*> finite_rows(const History& rows) {
  std::vector<const IterationRow*> out;
  for (const auto& row : rows)
    if (row.has_finite_value()) out.push_back(&row);
  return out;
}

// Python's repr of a sorted set of strings: ['max', 'min'].
std::string sorted_list_repr(const std::set<std::string>& names) {
  std::string out = "[";
  for (const auto& name : names) out += (out.size() > 1 ? ", '" : "'") + name + "'";
  return out + "]";
}

}  // namespace

const IterationRow* best_iteration(const History& rows) {
  auto candidates = finite_rows(rows);
  if (candidates.empty()) return nullptr;
  const bool max = candidates.front()->metric_direction() == "max";
  std::stable_sort(candidates.begin(), candidates.end(), [&](const IterationRow* a, const IterationRow* b) {
    if (a->value() != b->value()) return max ? a->value() > b->value() : a->value() < b->value();
    return a->id < b->id;
  });
  return candidates.front();
}

DenseRanks dense_ranks(const History& rows) {
  DenseRanks out;
  auto finite = finite_rows(rows);
  if (finite.empty()) return out;
  const std::string first_direction = finite.front()->metric_direction();
  const std::string direction = first_direction == "min" ? "min" : "max";
  std::set<std::string> directions, metrics;
  for (const auto* row : finite) {
    const auto d = row->metric_direction();
    if (d == "max" || d == "min") directions.insert(d);
    if (json_truthy(&row->field("primary_metric"))) metrics.insert(row->primary_metric());
  }
  if (directions.size() > 1)
    out.warnings.push_back(fmt::format(
        "iterations disagree on metric_direction {}; ranks use '{}' (from iter_{}, the first with a metric)",
        sorted_list_repr(directions), direction, finite.front()->id));
  if (metrics.size() > 1)
    out.warnings.push_back(fmt::format(
        "iterations report different primary_metric values {}; their ranks compare different metrics",
        sorted_list_repr(metrics)));
  std::stable_sort(finite.begin(), finite.end(), [&](const IterationRow* a, const IterationRow* b) {
    if (a->value() != b->value()) return direction == "max" ? a->value() > b->value() : a->value() < b->value();
    return a->id < b->id;
  });
  int rank = 0;
  double previous = 0.0;
  for (std::size_t i = 0; i < finite.size(); ++i) {
    if (i == 0 || finite[i]->value() != previous) ++rank;
    previous = finite[i]->value();
    out.rank[finite[i]->id] = rank;
  }
  return out;
}

std::optional<double> target_metric(const History& rows) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const auto& target = it->field("target_metric");
    if (json_numeric(&target)) return json_number(target);
  }
  return std::nullopt;
}

bool target_reached(const History& rows, std::optional<double> target, const std::string& direction) {
  if (!target) return false;
  for (const auto& row : rows) {
    const auto& value = row.primary_value();
    if (!json_numeric(&value)) continue;
    const double v = json_number(value);  // NaN compares false both ways
    if (direction == "max" && v >= *target) return true;
    if (direction == "min" && v <= *target) return true;
  }
  return false;
}

bool plateau(const History& rows, const IterationRow* best, const PlateauRule& rule) {
  if (best == nullptr || rule.window < 1) return false;
  if (rows.size() < static_cast<std::size_t>(rule.window) + 1) return false;
  const auto& best_value = best->primary_value();
  if (!json_numeric(&best_value)) return false;
  const double b = json_number(best_value);
  if (!(std::fabs(b) >= 1e-9)) return false;
  const bool max = best->metric_direction() == "max";
  for (std::size_t i = rows.size() - static_cast<std::size_t>(rule.window); i < rows.size(); ++i) {
    const auto& value = rows[i].primary_value();
    if (!json_numeric(&value)) return false;
    const double v = json_number(value);
    const double shortfall = max ? (b - v) / std::fabs(b) : (v - b) / std::fabs(b);
    if (shortfall > rule.rel_tol) return false;  // written so that NaN passes, as in the reference
  }
  return true;
}

std::string runtime_priority(const History& rows) {
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const auto& p = it->field("deploy_runtime_priority");
    if (p.IsString()) {
      const std::string value = p.GetString();
      if (value == "balanced" || value == "speed" || value == "pc_time") return value;
    }
  }
  return "balanced";
}

RuntimeCost runtime_cost(const rapidjson::Value& setting) {
  RuntimeCost cost;
  if (!setting.IsObject()) return cost;
  const auto* table = json_member(&setting, "dispatching_table");
  std::vector<std::string> names;
  if (table != nullptr && table->IsArray())
    for (const auto& entry : table->GetArray()) {
      if (!entry.IsObject() || !json_equals_number(json_member(&entry, "bits"), 16)) continue;
      const auto* op = json_member(&entry, "op");
      const auto* name = json_truthy(op) ? op : json_member(&entry, "op_name");
      if (json_truthy(name)) names.push_back(python_str(name));
    }
  if (!names.empty()) {
    std::string first;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) first += (i ? ", " : "") + names[i];
    std::string reason = fmt::format("int16 promotion on {} op(s): {}", names.size(), first);
    if (names.size() > 3) reason += fmt::format(", +{} more", names.size() - 3);
    cost.reasons.push_back(reason);
  }
  const auto* split = json_member(&setting, "weight_split");
  if (split != nullptr && split->IsObject() && json_truthy(json_member(split, "enabled"))) {
    const auto* layers = json_member(split, "interested_layers");
    if (layers != nullptr && layers->IsArray() && !layers->Empty())
      cost.reasons.push_back(fmt::format("weight_split on {} layer(s)", layers->Size()));
    else
      cost.reasons.push_back("weight_split enabled");
  }
  cost.affects_speed = !cost.reasons.empty();
  if (cost.affects_speed) {
    std::string joined;
    for (const auto& r : cost.reasons) joined += (joined.empty() ? "" : "; ") + r;
    cost.label = "Yes (" + joined + ")";
  }
  return cost;
}

}  // namespace qtune
