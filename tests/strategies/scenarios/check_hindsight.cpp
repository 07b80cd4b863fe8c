// kind hindsight: the §15 R8 hindsight check on the materialised history.
#include <fmt/format.h>

#include "qtune/search/hindsight.h"
#include "scenario_checks.h"

namespace qtune::scenarios {

Outcome run_hindsight(const JsonValue& scenario, const std::filesystem::path& work) {
  const History rows = load_history(materialise(scenario, work));
  const search::HindsightRecord r = search::r8_hindsight(rows, scenario_constants(scenario));
  rapidjson::Document record(rapidjson::kObjectType);
  auto& a = record.GetAllocator();
  record.AddMember("ok", r.ok, a);
  if (r.ok) {
    record.AddMember("prior_best_iter", r.prior_best_iter, a).AddMember("3c_iter", r.fusion_iter, a);
    record.AddMember("helped", r.helped, a).AddMember("r8_fires", r.r8_fires, a).AddMember("agree", r.agree, a);
  }
  record.AddMember("skip_reason", JsonValue(r.skip_reason.c_str(), a), a);
  for (const auto& e : scenario["expect"].GetObject()) {
    const std::string key = e.name.GetString();
    Outcome failure;
    if (key == "skip_reason_contains") failure = check_contains("skip_reason", r.skip_reason, &e.value, false);
    else failure = match(e.value, at_path(record, key), key);
    if (failure) return failure;
  }
  return std::nullopt;
}

}  // namespace qtune::scenarios
