#include "lever_fill.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "qtune/search/r8_trigger.h"
#include "qtune/search/templates.h"

namespace qtune::phased {
namespace {

// R4 (reference §15): a weight whose kurtosis exceeds this is an outlier-heavy tensor
// that weight split can tame; at most this many layers per iteration.
constexpr double kWeightKurtosisThreshold = 10.0;
constexpr std::size_t kMaxSplitLayers = 3;

const std::set<std::string> kComputingTypes = {"Conv", "Gemm", "MatMul", "ConvTranspose"};

std::string str(const rapidjson::Value* v) { return v != nullptr && v->IsString() ? v->GetString() : ""; }

// Computing ops of best's layerwise_error.json, worst first (the file is ordered so).
std::vector<std::pair<std::string, double>> layerwise(const IterationRow& best) {
  std::vector<std::pair<std::string, double>> out;
  const auto doc = search::read_iteration_artifact(best, "layerwise_error.json");
  if (doc.IsObject())
    for (const auto& m : doc.GetObject()) out.emplace_back(m.name.GetString(), json_number(m.value));
  return out;
}

std::set<std::string> int16_ops(const rapidjson::Value& setting) {
  std::set<std::string> out;
  const auto* table = json_member(&setting, "dispatching_table");
  if (table != nullptr && table->IsArray())
    for (const auto& e : table->GetArray()) {
      const auto* op = json_member(&e, "op");
      out.insert(json_truthy(op) ? str(op) : str(json_member(&e, "op_name")));
    }
  return out;
}

LeverPlan plan_int16(const IterationRow& best, LeverPlan plan, Document::AllocatorType& a) {
  const auto ranked = layerwise(best);
  if (ranked.empty()) {
    plan.skip_reason = "no layerwise_error.json in the best iteration (run with the analysers on)";
    return plan;
  }
  const auto promoted = int16_ops(best.setting());
  const auto it = std::find_if(ranked.begin(), ranked.end(), [&](const auto& e) { return !promoted.count(e.first); });
  if (it == ranked.end()) {
    plan.skip_reason = "every computing op of layerwise_error.json is already int16";
    return plan;
  }
  // Keep best's promotions and add the worst remaining op (the template's key is
  // op_name; qtune's setting reader takes `op`, as the reference's apply_setting does).
  rapidjson::Value table(rapidjson::kArrayType);
  if (const auto* old = json_member(&best.setting(), "dispatching_table"); old != nullptr && old->IsArray())
    for (const auto& e : old->GetArray()) table.PushBack(rapidjson::Value(e, a), a);
  rapidjson::Value entry(rapidjson::kObjectType);
  entry.AddMember("op", rapidjson::Value(it->first.c_str(), a), a);
  entry.AddMember("bits", 16, a);
  table.PushBack(entry, a);
  plan.snippet->RemoveMember("dispatching_table");
  plan.snippet->AddMember("dispatching_table", table, a);
  plan.evidence = fmt::format("{} has the worst isolated error (layerwise SNR {:.6f}) in iter_{}/layerwise_error.json",
                              it->first, it->second, best.id);
  return plan;
}

LeverPlan plan_weight_split(const IterationRow& best, LeverPlan plan, Document::AllocatorType& a) {
  const auto stats = search::read_iteration_artifact(best, "layer_stats_full.json");
  if (!stats.IsArray()) {
    plan.skip_reason = "no layer_stats_full.json in the best iteration (run with the analysers on)";
    return plan;
  }
  // The first parameter input of a computing op is its weight.
  std::map<std::string, double> kurtosis;
  for (const auto& rec : stats.GetArray()) {
    const std::string op = str(json_member(&rec, "Op name"));
    if (!kComputingTypes.count(str(json_member(&rec, "Op type"))) || kurtosis.count(op)) continue;
    if (!json_truthy(json_member(&rec, "Is parameter")) || !json_truthy(json_member(&rec, "Is input"))) continue;
    const auto* k = json_member(&rec, "Float Kurtosis");
    if (json_finite(k)) kurtosis[op] = k->GetDouble();
  }
  std::vector<std::pair<std::string, double>> outliers;
  for (const auto& [op, k] : kurtosis)
    if (k > kWeightKurtosisThreshold) outliers.emplace_back(op, k);
  if (outliers.empty()) {
    plan.skip_reason = fmt::format("no computing op has weight kurtosis > {} in iter_{}/layer_stats_full.json (R4)",
                                   kWeightKurtosisThreshold, best.id);
    return plan;
  }
  std::sort(outliers.begin(), outliers.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  if (outliers.size() > kMaxSplitLayers) outliers.resize(kMaxSplitLayers);
  rapidjson::Value layers(rapidjson::kArrayType);
  std::string cited;
  for (const auto& [op, k] : outliers) {
    layers.PushBack(rapidjson::Value(op.c_str(), a), a);
    cited += fmt::format("{}{} ({:.1f})", cited.empty() ? "" : ", ", op, k);
  }
  auto& block = (*plan.snippet)["weight_split"];
  block.RemoveMember("interested_layers");
  block.AddMember("interested_layers", layers, a);
  plan.evidence = fmt::format("weight kurtosis > {} in iter_{}/layer_stats_full.json: {}", kWeightKurtosisThreshold,
                              best.id, cited);
  return plan;
}

LeverPlan plan_alignment(const IterationRow& best, LeverPlan plan, Document::AllocatorType& a) {
  // Align the family of the op R8 fired on (the template names the elementwise key).
  const auto hot = search::read_iteration_artifact(best, "non_computing_hot_ops.json");
  std::string type, name;
  double worst = -1;
  if (hot.IsArray())
    for (const auto& e : hot.GetArray()) {
      const std::string t = str(json_member(&e, "op_type"));
      if (t != "Concat" && t != "Add" && t != "Sub" && t != "Mul" && t != "Resize" && t != "AveragePool") continue;
      const double snr = json_numeric(json_member(&e, "max_snr")) ? json_number(e["max_snr"]) : 0.0;
      if (snr > worst) worst = snr, type = t, name = str(json_member(&e, "op_name"));
    }
  const char* key = type == "Concat"        ? "align_concat_to"
                    : type == "Resize"      ? "align_resize_to"
                    : type == "AveragePool" ? "align_avgpooling_to"
                                            : "align_elementwise_to";
  rapidjson::Value block(rapidjson::kObjectType);
  block.AddMember(rapidjson::Value(key, a), rapidjson::Value("Align to Large", a), a);
  plan.snippet->RemoveMember("fusion_alignment");
  plan.snippet->AddMember("fusion_alignment", block, a);
  plan.evidence = name.empty() ? "R8 fired on best's non_computing_hot_ops.json"
                               : fmt::format("R8: {} ({}) max_snr {:.3f} in iter_{}/non_computing_hot_ops.json", name,
                                             type, worst, best.id);
  return plan;
}

}  // namespace

std::string lever_setting_key(const std::string& lever) {
  if (lever.rfind("3a", 0) == 0) return "tqt_optimization";
  static const std::map<std::string, std::string> keys = {
      {"3b", "bias_correct"},   {"3c", "fusion_alignment"}, {"3d", "equalization"},
      {"3e", "dispatching_table"}, {"3f", "weight_split"}, {"3g", "blockwise_reconstruction"}};
  const auto it = keys.find(lever);
  return it == keys.end() ? "" : it->second;
}

std::string lever_summary(const std::string& lever) {
  static const std::map<std::string, std::string> text = {
      {"3a-1", "TQT escalation: 1000 steps"},
      {"3a-2", "TQT escalation: 2000 steps at lr 5e-05"},
      {"3a-3", "TQT with smaller blocks (block_size 2)"},
      {"3b", "bias correction"},
      {"3c", "fusion alignment 'Align to Large'"},
      {"3d", "layerwise equalization"},
      {"3e", "int16 on the worst layer (costs on-device speed)"},
      {"3f", "weight split of outlier-weight layers (costs on-device speed)"},
      {"3g", "blockwise reconstruction (AdaRound) after TQT"}};
  const auto it = text.find(lever);
  return it == text.end() ? lever : it->second;
}

LeverPlan plan_lever(const std::string& lever, const IterationRow* best, int next_id, StrategyContext& context) {
  LeverPlan plan;
  const std::string key = lever_setting_key(lever);
  if (!key.empty() && !context.pass_available(key)) {
    plan.skip_reason = fmt::format("the '{}' pass plugin is not installed", key);
    return plan;
  }
  auto tpl = search::phase3_template(lever, next_id, best);
  plan.snippet = std::make_shared<Document>();
  plan.snippet->SetObject();
  auto& a = plan.snippet->GetAllocator();
  for (const auto& m : tpl.GetObject()) {
    const std::string k = m.name.GetString();
    if (k != "iteration_id" && k != "rationale")
      plan.snippet->AddMember(rapidjson::Value(k.c_str(), a), rapidjson::Value(m.value, a), a);
  }
  if (best == nullptr) return plan;
  if (lever == "3e") return plan_int16(*best, std::move(plan), a);
  if (lever == "3f") return plan_weight_split(*best, std::move(plan), a);
  if (lever == "3c") return plan_alignment(*best, std::move(plan), a);
  const auto& top = best->field("top_5_error_layers");
  if (top.IsArray() && !top.Empty() && top[0].IsObject())
    plan.evidence = fmt::format("top error layer of iter_{}: {} (SNR {:.6f})", best->id, str(json_member(&top[0], "op")),
                                json_number(top[0]["snr"]));
  return plan;
}

}  // namespace qtune::phased
