// kind helper: one function of qtune_search_common or the SDK's history predicates,
// named by helper.function, called on helper.args and matched against expect.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "qtune/history.h"
#include "qtune/search/lever_fingerprints.h"
#include "qtune/search/phase5_advice.h"
#include "qtune/search/phase5_patterns.h"
#include "qtune/search/r8_trigger.h"
#include "scenario_checks.h"

namespace qtune::scenarios {

namespace fs = std::filesystem;

namespace {

const JsonValue& arg(const JsonValue& args, const char* key) {
  static const JsonValue null_value;
  const auto it = args.FindMember(key);
  return it == args.MemberEnd() ? null_value : it->value;
}

JsonValue strings_value(const std::vector<std::string>& items, JsonAllocator& a) {
  JsonValue out(rapidjson::kArrayType);
  for (const auto& s : items) out.PushBack(JsonValue(s.c_str(), a), a);
  return out;
}

JsonValue r8_value(const search::R8Result& r8, JsonAllocator& a) {
  JsonValue out(rapidjson::kObjectType);
  out.AddMember("fires", r8.fires, a).AddMember("reason", JsonValue(r8.reason.c_str(), a), a);
  return out;
}

// Rows that carry only what target_reached reads (a value and a direction).
History rows_with_values(const JsonValue& values, const std::string& direction) {
  History rows;
  if (!values.IsArray()) return rows;
  int id = 0;
  for (const JsonValue& v : values.GetArray()) {
    auto doc = std::make_shared<rapidjson::Document>(rapidjson::kObjectType);
    auto& a = doc->GetAllocator();
    doc->AddMember("iteration_id", id, a);
    doc->AddMember("primary_value", JsonValue(v, a), a);
    doc->AddMember("metric_direction", JsonValue(direction.c_str(), a), a);
    IterationRow row;
    row.id = id++;
    row.dir = fs::path("/nonexistent") / fmt::format("iter_{}", row.id);
    row.json = doc;
    rows.push_back(row);
  }
  return rows;
}

// r8_check_for_best: {"best": null} or {"hot_ops": <file content>} (written beside a row).
search::R8Result r8_check(const JsonValue& args, const fs::path& work, const search::SearchConstants& c) {
  if (args.HasMember("best") && args["best"].IsNull()) return search::r8_check_for_best(nullptr, c);
  const fs::path dir = work / "outputs" / "iter_0";
  fs::create_directories(dir);
  if (args.HasMember("hot_ops")) write_file_value(dir / "non_computing_hot_ops.json", args["hot_ops"]);
  IterationRow row;
  row.id = 0;
  row.dir = dir;
  row.json = std::make_shared<rapidjson::Document>(rapidjson::kObjectType);
  return search::r8_check_for_best(&row, c);
}

}  // namespace

Outcome run_helper(const JsonValue& scenario, const fs::path& work) {
  const JsonValue& helper = scenario["helper"];
  const std::string function = helper["function"].GetString();
  static const JsonValue no_args(rapidjson::kObjectType);
  const JsonValue& args = helper.HasMember("args") ? helper["args"] : no_args;
  const search::SearchConstants constants = scenario_constants(scenario);

  rapidjson::Document result;
  auto& a = result.GetAllocator();
  if (function == "phase3_order_for") {
    result.CopyFrom(strings_value(search::phase3_order_for(arg(args, "priority").GetString(), constants), a), a);
  } else if (function == "target_reached") {
    const JsonValue& direction = arg(args, "direction");
    const std::string dir = direction.IsString() ? direction.GetString() : "max";
    const JsonValue& target = arg(args, "target");
    const std::optional<double> t = json_numeric(&target) ? std::optional(json_number(target)) : std::nullopt;
    result.SetBool(target_reached(rows_with_values(arg(args, "values"), dir), t, dir));
  } else if (function == "classify_runtime_cost") {
    const RuntimeCost cost = runtime_cost(arg(args, "setting"));
    result.SetObject();
    result.AddMember("affects_speed", cost.affects_speed, a);
    result.AddMember("label", JsonValue(cost.label.c_str(), a), a);
    result.AddMember("reasons", strings_value(cost.reasons, a), a);
  } else if (function == "r8_trigger_fires") {
    result.CopyFrom(r8_value(search::r8_fires(arg(args, "hot_ops"), constants), a), a);
  } else if (function == "r8_check_for_best") {
    result.CopyFrom(r8_value(r8_check(args, work, constants), a), a);
  } else if (function == "classify_phase5_patterns") {
    result.CopyFrom(strings_value(search::classify_phase5_patterns(arg(args, "prev"), arg(args, "new")), a), a);
  } else if (function == "phase5_tunable_params_lines") {
    result.CopyFrom(strings_value(search::phase5_tunable_params_lines(arg(args, "setting")), a), a);
  } else if (function == "phase5_lever_label_for") {
    const auto label = search::phase5_lever_label_for(arg(args, "a"), arg(args, "b"));
    if (label) result.SetString(label->c_str(), a);
  } else if (function == "phase5_lever_stack") {
    const auto stack = search::phase5_lever_stack(arg(args, "setting"));
    result.CopyFrom(strings_value({stack.begin(), stack.end()}, a), a);  // std::set: sorted
  } else if (function == "is_finite_metric_many") {
    result.SetArray();
    for (const JsonValue& v : arg(args, "values").GetArray()) result.PushBack(json_finite(&v), a);
  } else {
    return fmt::format("unknown helper function '{}'", function);
  }

  const JsonValue& expect = scenario["expect"];
  if (expect.HasMember("result")) {
    const JsonValue& e = expect["result"];
    if (e.IsObject() && e.HasMember("reason_contains")) {  // R8: {fires, reason_contains}
      if (auto m = match(e["fires"], at_path(result, "fires"), "result.fires")) return m;
      if (auto m = check_contains("result.reason", at_path(result, "reason")->GetString(), &e["reason_contains"], false))
        return m;
    } else if (auto m = match(e, &result, "result")) {
      return m;
    }
  }
  if (expect.HasMember("result_contains")) {
    std::string all = result.IsString() ? result.GetString() : "";
    if (result.IsArray())
      for (const auto& v : result.GetArray())
        if (v.IsString()) all += std::string(v.GetString()) + "\n";
    if (auto m = check_contains("result", all, &expect["result_contains"], false)) return m;
  }
  if (expect.HasMember("result_len")) {
    const rapidjson::SizeType n = result.IsArray() ? result.Size() : 0;
    if (n != expect["result_len"].GetUint())
      return fmt::format("result_len: expected {}, got {} ({})", expect["result_len"].GetUint(), n, dump_json(result));
  }
  return std::nullopt;
}

}  // namespace qtune::scenarios
