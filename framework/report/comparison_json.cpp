#include "report/comparison_json.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include "qtune/error.h"
#include "report/report_json.h"

namespace qtune::report {
namespace {

// next_step_hint keys the framework owns; a strategy's hint never overrides them.
const char* const kOwnedHintKeys[] = {"phase", "advice", "auto_finalized", "premature_finalize_rejected",
                                      "finalize_reason"};

bool owned(const char* key) {
  for (const char* k : kOwnedHintKeys)
    if (std::string_view(k) == key) return true;
  return false;
}

rapidjson::Value string_value(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace

const rapidjson::Value* StrategyHint::phase5_signals() const {
  if (const rapidjson::Value* v = json_member(&next_step_hint, "phase5_signals")) return v;
  return json_member(&search_state, "phase5_signals");
}

StrategyHint split_hint(const std::string& hint_json, const std::string& strategy) {
  StrategyHint out;
  if (hint_json.empty()) return out;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNanAndInfFlag>(hint_json.c_str(), hint_json.size());
  if (doc.HasParseError())
    throw Error(fmt::format("strategy '{}': hint_json is not valid JSON at offset {}: {}", strategy,
                            doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError())));
  if (doc.IsNull()) return out;
  if (!doc.IsObject()) throw Error(fmt::format("strategy '{}': hint_json must be a JSON object", strategy));
  const bool split = doc.HasMember("next_step_hint") || doc.HasMember("search_state");
  if (!split) {
    out.next_step_hint.CopyFrom(doc, out.next_step_hint.GetAllocator());
    return out;
  }
  if (const rapidjson::Value* hint = json_member(&doc, "next_step_hint"); hint && hint->IsObject())
    out.next_step_hint.CopyFrom(*hint, out.next_step_hint.GetAllocator());
  if (const rapidjson::Value* state = json_member(&doc, "search_state"); state && !state->IsNull())
    out.search_state.CopyFrom(*state, out.search_state.GetAllocator());
  return out;
}

const char* action_name(StrategyDecision::Action action) {
  switch (action) {
    case StrategyDecision::Action::Iterate: return "iterate";
    case StrategyDecision::Action::Finalize: return "finalize";
    case StrategyDecision::Action::AwaitSetting: return "await_setting";
  }
  return "?";
}

rapidjson::Document comparison_document(const ComparisonInputs& in) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  const History& rows = *in.rows;

  rapidjson::Value iterations(rapidjson::kArrayType);
  for (const IterationRow& row : rows) {
    rapidjson::Value copy;
    copy.CopyFrom(*row.json, a);
    iterations.PushBack(copy, a);
  }
  doc.AddMember("iterations", iterations, a);
  rapidjson::Value best;
  if (in.best) best.CopyFrom(*in.best->json, a);
  doc.AddMember("best_iteration", best, a);

  // Keyed by id; a second folder with the same id (iter_01 and iter_1) overwrites the
  // first's entry in place, as a Python dict does.
  auto set_keyed = [&](rapidjson::Value& object, int id, rapidjson::Value value) {
    const std::string key = std::to_string(id);
    if (auto it = object.FindMember(key.c_str()); it != object.MemberEnd()) it->value = value;
    else object.AddMember(string_value(key, a), value, a);
  };
  const DenseRanks ranks = dense_ranks(rows);
  rapidjson::Value rank_map(rapidjson::kObjectType);
  for (const IterationRow& row : rows) {
    const auto it = ranks.rank.find(row.id);
    set_keyed(rank_map, row.id, it != ranks.rank.end() ? rapidjson::Value(it->second) : rapidjson::Value("-"));
  }
  doc.AddMember("iteration_ranks", rank_map, a);

  rapidjson::Value costs(rapidjson::kObjectType);
  for (const IterationRow& row : rows) {
    const RuntimeCost cost = runtime_cost(row.setting());
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("affects_speed", cost.affects_speed, a);
    entry.AddMember("label", string_value(cost.label, a), a);
    rapidjson::Value reasons(rapidjson::kArrayType);
    for (const auto& r : cost.reasons) reasons.PushBack(string_value(r, a), a);
    entry.AddMember("reasons", reasons, a);
    set_keyed(costs, row.id, std::move(entry));
  }
  doc.AddMember("runtime_cost_classification", costs, a);

  rapidjson::Value warnings(rapidjson::kArrayType);
  for (const auto& w : ranks.warnings) warnings.PushBack(string_value(w, a), a);
  doc.AddMember("ranking_warnings", warnings, a);
  doc.AddMember("early_finalize_command", string_value(in.early_finalize_command, a), a);

  rapidjson::Value hint(rapidjson::kObjectType);
  hint.AddMember("phase", string_value(in.hint.phase, a), a);
  hint.AddMember("advice", string_value(in.hint.advice, a), a);
  hint.AddMember("auto_finalized", in.hint.auto_finalized, a);
  if (in.hint.premature_finalize_rejected) hint.AddMember("premature_finalize_rejected", true, a);
  if (in.hint.finalize_reason) {
    rapidjson::Value reason;
    reason.CopyFrom(*in.hint.finalize_reason, a);
    hint.AddMember("finalize_reason", reason, a);
  }
  if (in.strategy_hint)
    for (auto it = in.strategy_hint->next_step_hint.MemberBegin(); it != in.strategy_hint->next_step_hint.MemberEnd(); ++it) {
      if (owned(it->name.GetString()) || hint.HasMember(it->name)) continue;
      rapidjson::Value key, value;
      key.CopyFrom(it->name, a);
      value.CopyFrom(it->value, a);
      hint.AddMember(key, value, a);
    }
  doc.AddMember("next_step_hint", hint, a);

  rapidjson::Value state;
  if (in.strategy_hint) state.CopyFrom(in.strategy_hint->search_state, a);
  doc.AddMember("search_state", state, a);

  rapidjson::Value strategy(rapidjson::kObjectType);
  strategy.AddMember("name", string_value(in.strategy_name, a), a);
  if (in.decision) {
    strategy.AddMember("action", rapidjson::Value(action_name(in.decision->action), a), a);
    strategy.AddMember("reason", string_value(in.decision->reason, a), a);
    if (in.decision->action == StrategyDecision::Action::Finalize)
      strategy.AddMember("finalize_category", string_value(in.decision->finalize_category, a), a);
    if (in.decision->action == StrategyDecision::Action::Iterate && !in.decision->setting_json.empty()) {
      rapidjson::Document setting;
      setting.Parse<rapidjson::kParseNanAndInfFlag>(in.decision->setting_json.c_str(), in.decision->setting_json.size());
      rapidjson::Value value;
      if (!setting.HasParseError()) value.CopyFrom(setting, a);
      else value = string_value(in.decision->setting_json, a);
      strategy.AddMember("next_setting", value, a);
    }
  }
  doc.AddMember("strategy", strategy, a);
  return doc;
}

void write_comparison(const std::filesystem::path& outputs_dir, const rapidjson::Value& document) {
  write_json_file(outputs_dir / kComparisonFile, document);
}

}  // namespace qtune::report
