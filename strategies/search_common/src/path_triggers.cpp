#include "qtune/search/path_triggers.h"

#include <cmath>
#include <set>
#include <string>

#include "qtune/search/json_util.h"
#include "qtune/search/lever_fingerprints.h"

namespace qtune::search {
namespace {

// §2.5 / §4: a best value this close to zero makes relative comparisons meaningless.
constexpr double kMinAbsBest = 1e-9;

// Op names of top_5_error_layers (keyed by Python repr so 1 and "1" stay apart).
std::set<std::string> top5_ops(const IterationRow& row) {
  std::set<std::string> ops;
  const JsonValue& layers = row.field("top_5_error_layers");
  if (!layers.IsArray()) return ops;
  for (const JsonValue& entry : layers.GetArray()) {
    const JsonValue* op = json_member(&entry, "op");
    if (op != nullptr && !op->IsNull()) ops.insert(python_repr(*op));
  }
  return ops;
}

}  // namespace

bool path1_fires(const History& rows, const IterationRow* best, const SearchConstants& constants) {
  if (best == nullptr || rows.empty()) return false;
  const IterationRow& latest = rows.back();
  if (latest.dir == best->dir) return false;
  if (!is_tqt_escalation(latest.setting())) return false;  // block_size not checked (§17.4)
  if (!json_numeric(&latest.primary_value()) || !json_numeric(&best->primary_value())) return false;
  const double b = best->value();
  const double v = latest.value();
  if (std::fabs(b) < kMinAbsBest) return false;
  const double rel = best->metric_direction() == "max" ? (b - v) / std::fabs(b) : (v - b) / std::fabs(b);
  if (!(0 < rel && rel < constants.path1_rel_tol)) return false;
  const std::set<std::string> best_ops = top5_ops(*best);
  for (const std::string& op : top5_ops(latest))
    if (best_ops.count(op) == 0) return true;
  return false;
}

bool path2_eligible(const History& rows, const IterationRow* best) {
  if (best == nullptr) return false;
  if (!lever_tried(rows, "3a-1") || !lever_tried(rows, "3a-2")) return false;
  for (const char* lever : {"3a-3", "3b", "3c", "3d"})
    if (lever_tried(rows, lever)) return false;
  return true;
}

bool pivot_due(const History& rows, const IterationRow* best) {
  if (best == nullptr || rows.size() < 2) return false;
  const double b = best->value();
  const bool max = best->metric_direction() == "max";
  for (auto it = rows.end() - 2; it != rows.end(); ++it) {
    if (!json_numeric(&it->primary_value())) return false;
    const double v = it->value();
    if (!(max ? v < b : v > b)) return false;  // a NaN never counts as worse
  }
  return true;
}

}  // namespace qtune::search
