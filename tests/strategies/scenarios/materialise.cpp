// §18 materialisation: one outputs/iter_<id>/ per history item, written the way the
// reference harness writes it (iteration_index.json, setting.json, metrics.json, a
// 1-byte model.espdl, extra artifacts), or exactly the raw files a scenario gives.
#include <fmt/format.h>

#include "scenario_checks.h"

namespace qtune::scenarios {

namespace fs = std::filesystem;

namespace {

const JsonValue* member(const JsonValue& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

void set(JsonValue& object, const char* key, const JsonValue* value, JsonAllocator& a) {
  JsonValue copy;
  if (value != nullptr) copy.CopyFrom(*value, a);
  const auto it = object.FindMember(key);
  if (it != object.MemberEnd()) it->value = std::move(copy);
  else object.AddMember(JsonValue(key, a), copy, a);
}

void write_iteration(const JsonValue& item, const JsonValue& qc, const fs::path& dir) {
  fs::create_directories(dir);
  if (const JsonValue* raw = member(item, "raw_files_only")) {
    for (const auto& f : raw->GetObject()) write_file_value(dir / f.name.GetString(), f.value);
    return;
  }
  rapidjson::Document scratch;
  auto& a = scratch.GetAllocator();
  const JsonValue* id = member(item, "iteration_id");
  const JsonValue* value = member(item, "primary_value");
  JsonValue empty_string("");
  const JsonValue* rationale = member(item, "rationale");
  if (rationale == nullptr) rationale = &empty_string;
  JsonValue empty_list(rapidjson::kArrayType);

  JsonValue index(rapidjson::kObjectType);
  set(index, "iteration_id", id, a);
  set(index, "rationale", rationale, a);
  for (const char* key : {"primary_metric"}) set(index, key, member(qc, key), a);
  set(index, "primary_value", value, a);
  for (const char* key : {"metric_direction", "target_metric", "deploy_runtime_priority", "model_name", "target_chip"})
    set(index, key, member(qc, key), a);
  JsonValue elapsed(1.0);
  set(index, "elapsed_seconds", &elapsed, a);
  const JsonValue* top5 = member(item, "top_5_error_layers");
  set(index, "top_5_error_layers", top5 != nullptr ? top5 : &empty_list, a);
  set(index, "applied_setting_warnings", &empty_list, a);
  if (const JsonValue* overrides = member(item, "index_overrides"))
    for (const auto& m : overrides->GetObject()) set(index, m.name.GetString(), &m.value, a);
  write_text(dir / "iteration_index.json", dump_json(index));

  JsonValue setting(rapidjson::kObjectType);
  set(setting, "iteration_id", id, a);
  set(setting, "rationale", rationale, a);
  if (const JsonValue* s = member(item, "setting"); s != nullptr && s->IsObject())
    for (const auto& m : s->GetObject()) set(setting, m.name.GetString(), &m.value, a);
  write_text(dir / "setting.json", dump_json(setting));

  JsonValue metrics(rapidjson::kObjectType);
  JsonValue used("evaluate_fast");
  set(metrics, "_used", &used, a);
  set(metrics, "_primary_key", member(qc, "primary_metric"), a);
  set(metrics, "_primary_value", value, a);
  set(metrics, "metric_direction", member(qc, "metric_direction"), a);
  if (const JsonValue* extra = member(item, "extra_metrics"))
    for (const auto& m : extra->GetObject()) set(metrics, m.name.GetString(), &m.value, a);
  write_text(dir / "metrics.json", dump_json(metrics));

  write_text(dir / "model.espdl", std::string(1, '\0'));
  if (const JsonValue* artifacts = member(item, "artifacts"))
    for (const auto& f : artifacts->GetObject()) write_file_value(dir / f.name.GetString(), f.value);
}

}  // namespace

fs::path materialise(const JsonValue& scenario, const fs::path& root) {
  const fs::path outputs = root / "outputs";
  fs::create_directories(outputs);
  static const JsonValue no_config(rapidjson::kObjectType);
  const JsonValue* qc = member(scenario, "quant_config");
  if (const JsonValue* history = member(scenario, "history"))
    for (const JsonValue& item : history->GetArray()) {
      const JsonValue* id = member(item, "iteration_id");
      write_iteration(item, qc != nullptr ? *qc : no_config,
                      outputs / fmt::format("iter_{}", id != nullptr && id->IsInt() ? id->GetInt() : -1));
    }
  if (const JsonValue* dirs = member(scenario, "extra_dirs"))
    for (const std::string& name : string_list(dirs)) fs::create_directories(outputs / name);
  if (const JsonValue* files = member(scenario, "pre_existing_files"); files != nullptr && files->IsObject())
    for (const auto& f : files->GetObject()) write_file_value(outputs / f.name.GetString(), f.value);
  return outputs;
}

search::SearchConstants scenario_constants(const JsonValue& scenario) {
  search::SearchConstants constants;
  if (const JsonValue* overrides = member(scenario, "constant_overrides"))
    for (const auto& m : overrides->GetObject())
      if (m.value.IsNumber() && !constants.set(m.name.GetString(), m.value.GetDouble()))
        throw std::runtime_error(fmt::format("constant_overrides: unknown constant '{}'", m.name.GetString()));
  return constants;
}

}  // namespace qtune::scenarios
