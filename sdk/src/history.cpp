// Reads outputs/iter_N into the rows every strategy and the report use (reference §1.2).
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include "qtune/error.h"
#include "qtune/history.h"

namespace fs = std::filesystem;

namespace qtune {
namespace {

const rapidjson::Value& null_value() {
  static const rapidjson::Value value;
  return value;
}

const rapidjson::Value& empty_object() {
  static const rapidjson::Value value(rapidjson::kObjectType);
  return value;
}

// The parsed file, or an empty Document (IsNull) when it does not exist.
rapidjson::Document read_json_file(const fs::path& path) {
  rapidjson::Document doc;
  if (!fs::exists(path)) return doc;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot be read", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  doc.Parse<rapidjson::kParseNanAndInfFlag>(content.c_str(), content.size());
  if (doc.HasParseError())
    throw InputError(fmt::format("{}: invalid JSON at offset {}: {}", path.string(), doc.GetErrorOffset(),
                                 rapidjson::GetParseError_En(doc.GetParseError())));
  return doc;
}

bool present(const rapidjson::Document& doc) { return !doc.IsNull(); }

// Python's dict.get(key, default) on a value that may not be an object.
const rapidjson::Value* get(const rapidjson::Value& object, const char* key) {
  return json_member(&object, key);
}

class RowBuilder {
 public:
  explicit RowBuilder(rapidjson::Document& doc) : doc_(doc), alloc_(doc.GetAllocator()) { doc_.SetObject(); }

  void set(const char* key, const rapidjson::Value* value) {
    rapidjson::Value copy;
    if (value != nullptr) copy.CopyFrom(*value, alloc_);
    doc_.AddMember(rapidjson::Value(key, alloc_), copy, alloc_);
  }
  void set(const char* key, rapidjson::Value&& value) {
    doc_.AddMember(rapidjson::Value(key, alloc_), value, alloc_);
  }
  rapidjson::Document::AllocatorType& alloc() { return alloc_; }

 private:
  rapidjson::Document& doc_;
  rapidjson::Document::AllocatorType& alloc_;
};

std::optional<IterationRow> gather(int id, const fs::path& dir) {
  const auto index = read_json_file(dir / "iteration_index.json");
  const auto metrics = read_json_file(dir / "metrics.json");
  if (!present(index) && !present(metrics)) return std::nullopt;
  const auto setting = read_json_file(dir / "setting.json");
  const rapidjson::Value& idx = present(index) ? static_cast<const rapidjson::Value&>(index) : empty_object();
  const rapidjson::Value& met = present(metrics) ? static_cast<const rapidjson::Value&>(metrics) : null_value();

  IterationRow row;
  row.id = id;
  row.dir = dir;
  row.json = std::make_shared<rapidjson::Document>();
  RowBuilder b(*row.json);
  auto& alloc = b.alloc();
  b.set("iteration_id", rapidjson::Value(id));
  b.set("dir", rapidjson::Value(dir.string().c_str(), alloc));

  const auto* pm = get(idx, "primary_metric");
  b.set("primary_metric", json_truthy(pm) ? pm : get(met, "_primary_key"));
  const bool index_non_empty = idx.IsObject() && idx.MemberCount() > 0;
  b.set("primary_value", index_non_empty ? get(idx, "primary_value") : get(met, "_primary_value"));

  const auto* dir_index = get(idx, "metric_direction");
  if (json_truthy(dir_index)) {
    b.set("metric_direction", dir_index);
  } else if (met.IsObject()) {
    const auto* d = get(met, "metric_direction");
    if (d != nullptr) b.set("metric_direction", d);
    else b.set("metric_direction", rapidjson::Value("max"));
  } else {
    b.set("metric_direction", rapidjson::Value("max"));
  }

  b.set("elapsed_seconds", get(idx, "elapsed_seconds"));
  b.set("rationale", get(setting, "rationale"));
  b.set("setting", setting.IsObject() ? static_cast<const rapidjson::Value*>(&setting) : &empty_object());

  const auto* top5 = get(idx, "top_5_error_layers");
  if (json_truthy(top5)) {
    b.set("top_5_error_layers", top5);
  } else {
    rapidjson::Value list(rapidjson::kArrayType);
    const auto layerwise = read_json_file(dir / "layerwise_error.json");
    if (layerwise.IsObject()) {
      for (const auto& m : layerwise.GetObject()) {
        if (list.Size() == 5) break;
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("op", rapidjson::Value(m.name, alloc), alloc);
        entry.AddMember("snr", rapidjson::Value(m.value, alloc), alloc);
        list.PushBack(entry, alloc);
      }
    }
    b.set("top_5_error_layers", std::move(list));
  }

  // The reference's key is applied_setting_warnings; qtune's own index says "warnings".
  const auto* warnings = get(idx, "applied_setting_warnings");
  if (warnings == nullptr) warnings = get(idx, "warnings");
  if (warnings != nullptr) b.set("warnings", warnings);
  else b.set("warnings", rapidjson::Value(rapidjson::kArrayType));

  rapidjson::Value extra(rapidjson::kObjectType);
  if (met.IsObject())
    for (const auto& m : met.GetObject())
      if (m.name.GetStringLength() == 0 || m.name.GetString()[0] != '_')
        extra.AddMember(rapidjson::Value(m.name, alloc), rapidjson::Value(m.value, alloc), alloc);
  b.set("extra_metrics", std::move(extra));

  b.set("target_metric", get(idx, "target_metric"));
  const auto* priority = get(idx, "deploy_runtime_priority");
  if (priority != nullptr) b.set("deploy_runtime_priority", priority);
  else b.set("deploy_runtime_priority", rapidjson::Value("balanced"));
  for (const char* key : {"non_computing_hot_ops_count", "graphwise_jumps_count"}) {
    const auto* count = get(idx, key);
    if (count != nullptr) b.set(key, count);
    else b.set(key, rapidjson::Value(0));
  }
  b.set("model_name", get(idx, "model_name"));
  b.set("target_chip", get(idx, "target_chip"));

  // qtune's additions: the sample count and standard error of the primary value, which
  // evaluation produced it, and the confirming full evaluation made by `qtune run`.
  const rapidjson::Value* samples = nullptr;
  for (const char* key : {"_samples", "samples", "num_samples", "n_samples"})
    if (samples == nullptr && json_finite(get(met, key))) samples = get(met, key);
  b.set("samples", samples);
  b.set("standard_error", json_finite(get(met, "_primary_stderr")) ? get(met, "_primary_stderr") : nullptr);
  b.set("evaluation", get(met, "_used"));
  b.set("full_eval", get(idx, "full_eval"));
  // The full evaluation qtune run makes of the best and the runner-up when it finalizes:
  // for the report only (strategies decide on what the search itself measured).
  b.set("final_eval", get(idx, "final_eval"));
  return row;
}

}  // namespace

const rapidjson::Value& IterationRow::field(const char* key) const {
  const auto* value = json_member(json.get(), key);
  return value == nullptr ? null_value() : *value;
}

const rapidjson::Value& IterationRow::setting() const {
  const auto& value = field("setting");
  return value.IsObject() ? value : empty_object();
}

const rapidjson::Value& IterationRow::primary_value() const { return field("primary_value"); }

std::string IterationRow::primary_metric() const {
  const auto& value = field("primary_metric");
  return value.IsString() ? value.GetString() : "";
}

std::string IterationRow::metric_direction() const {
  const auto& value = field("metric_direction");
  return value.IsString() ? value.GetString() : "max";
}

std::optional<double> IterationRow::samples() const {
  const auto& value = field("samples");
  if (!json_finite(&value) || value.GetDouble() <= 0) return std::nullopt;
  return value.GetDouble();
}

History load_history(const fs::path& outputs) {
  if (!fs::is_directory(outputs))
    throw InputError(fmt::format("{}: outputs directory does not exist", outputs.string()));
  static const std::regex pattern(R"(^iter_(\d+)$)");
  std::vector<std::pair<std::string, int>> names;
  for (const auto& entry : fs::directory_iterator(outputs)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (std::regex_match(name, match, pattern)) names.emplace_back(name, std::stoi(match[1].str()));
  }
  std::sort(names.begin(), names.end());
  std::stable_sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  const fs::path root = fs::absolute(outputs).lexically_normal();
  History rows;
  for (const auto& [name, id] : names)
    if (auto row = gather(id, root / name)) rows.push_back(std::move(*row));
  return rows;
}

}  // namespace qtune
