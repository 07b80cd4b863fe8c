// QUANT_CONFIG -> ContractConfig. Keys and defaults follow the reference workflow's
// contract (espdl-quantize SKILL, QUANT_CONFIG); every rejection names the source and key.
#include "host/contract_config_parser.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "artifacts/json.h"
#include "qtune/error.h"
#include "quant/target_policy.h"

namespace qtune {
namespace {

// Contract-private settings live under this key; qtune passes over its content.
constexpr const char* kContractPrivateKey = "contract";
// Allowed calibration steps (contract guide: 2..5000 batches).
constexpr std::int64_t kMinCalibSteps = 2;
constexpr std::int64_t kMaxCalibSteps = 5000;

const std::vector<std::string> kMetricDirections = {"max", "min"};
const std::vector<std::string> kRuntimePriorities = {"balanced", "speed", "pc_time"};

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Reads one document against the key table; keeps `source` for every message.
class ConfigReader {
 public:
  ConfigReader(const rapidjson::Value& root, std::string source) : root_(root), source_(std::move(source)) {}

  const rapidjson::Value* find(const char* key) const {
    auto it = root_.FindMember(key);
    return it == root_.MemberEnd() ? nullptr : &it->value;
  }
  const rapidjson::Value& require(const char* key) const {
    if (const rapidjson::Value* v = find(key)) return *v;
    throw InputError(fmt::format("{}: QUANT_CONFIG is missing the required key '{}'", source_, key));
  }
  [[noreturn]] void fail(const char* key, const std::string& expected, const rapidjson::Value& got) const {
    throw InputError(fmt::format("{}: QUANT_CONFIG key '{}' must be {}, got {}", source_, key, expected, json_text(got)));
  }

  std::int64_t integer(const char* key, const rapidjson::Value& v, std::int64_t min, std::int64_t max) const {
    const std::string expected = max == INT64_MAX ? fmt::format("an integer >= {}", min)
                                                  : fmt::format("an integer in [{}, {}]", min, max);
    if (!v.IsInt64() || v.GetInt64() < min || v.GetInt64() > max) fail(key, expected, v);
    return v.GetInt64();
  }
  void optional_integer(const char* key, std::int64_t& out, std::int64_t min, std::int64_t max = INT64_MAX) const {
    if (const rapidjson::Value* v = find(key)) out = integer(key, *v, min, max);
  }
  std::string string(const char* key, const rapidjson::Value& v) const {
    if (!v.IsString() || v.GetStringLength() == 0) fail(key, "a non-empty string", v);
    return {v.GetString(), v.GetStringLength()};
  }
  // A string out of `choices`, compared case-insensitively, stored lower-case.
  void optional_choice(const char* key, std::string& out, const std::vector<std::string>& choices) const {
    const rapidjson::Value* v = find(key);
    if (!v) return;
    const std::string expected = fmt::format("one of \"{}\"", fmt::join(choices, "\", \""));
    if (!v->IsString()) fail(key, expected, *v);
    std::string value = to_lower(v->GetString());
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) fail(key, expected, *v);
    out = std::move(value);
  }

  const std::string& source() const { return source_; }

 private:
  const rapidjson::Value& root_;
  std::string source_;
};

// "input_shape": [1, 3, 32, 32] (one input) or [[1, 3, 32, 32], [1, 10]] (several).
std::vector<Shape> read_input_shapes(const ConfigReader& reader) {
  const char* key = "input_shape";
  const rapidjson::Value& v = reader.require(key);
  const char* expected = "a list of positive integers, or a list of such lists (one per model input)";
  if (!v.IsArray() || v.Empty()) reader.fail(key, expected, v);

  auto read_shape = [&](const rapidjson::Value& list) {
    if (!list.IsArray() || list.Empty()) reader.fail(key, expected, v);
    Shape shape;
    for (const auto& dim : list.GetArray()) {
      if (!dim.IsInt64() || dim.GetInt64() < 1) reader.fail(key, expected, v);
      shape.push_back(dim.GetInt64());
    }
    return shape;
  };
  std::vector<Shape> shapes;
  if (v[0].IsArray()) {
    for (const auto& entry : v.GetArray()) shapes.push_back(read_shape(entry));
  } else {
    shapes.push_back(read_shape(v));
  }
  return shapes;
}

std::filesystem::path read_model_path(const ConfigReader& reader, const std::filesystem::path& base_directory) {
  std::filesystem::path model = reader.string("model", reader.require("model"));
  if (model.is_relative()) model = base_directory / model;
  model = std::filesystem::absolute(model).lexically_normal();
  if (!std::filesystem::is_regular_file(model))
    throw InputError(fmt::format("{}: QUANT_CONFIG key 'model': file '{}' does not exist", reader.source(),
                                 model.string()));
  return model;
}

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {
      "model", "model_name", "input_shape", "batch_size", "target", "num_of_bits", "calib_steps",
      "primary_metric", "metric_direction", "target_metric", "analyse_steps", "top_k_layers",
      "non_computing_top_k", "graphwise_intervening_excess_threshold", "deploy_runtime_priority",
      kContractPrivateKey};
  return keys;
}

void check_keys(const rapidjson::Value& root, const std::string& source) {
  const auto& keys = known_keys();
  std::set<std::string> seen;
  for (const auto& member : root.GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw InputError(fmt::format("{}: unknown QUANT_CONFIG key '{}'; known keys: {}", source, key,
                                   fmt::join(keys, ", ")));
    // RapidJSON keeps duplicates; a silently shadowed value would be a hard bug to find.
    if (!seen.insert(key).second)
      throw InputError(fmt::format("{}: QUANT_CONFIG key '{}' appears more than once", source, key));
  }
  auto contract = root.FindMember(kContractPrivateKey);
  if (contract != root.MemberEnd() && !contract->value.IsObject())
    throw InputError(fmt::format("{}: QUANT_CONFIG key '{}' must be an object (contract-private settings), got {}",
                                 source, kContractPrivateKey, json_text(contract->value)));
}

}  // namespace

const std::vector<std::string>& known_targets() { return TargetPolicy::known_targets(); }

ContractConfig parse_contract_config(const std::string& json, const std::string& source,
                                     const std::filesystem::path& base_directory) {
  const rapidjson::Document doc = parse_json(json, source + ": QUANT_CONFIG");
  if (!doc.IsObject())
    throw InputError(fmt::format("{}: QUANT_CONFIG must be a JSON object, got {}", source, json_type_name(doc)));
  check_keys(doc, source);
  const ConfigReader reader(doc, source);

  ContractConfig config;
  config.model = read_model_path(reader, base_directory);
  config.input_shapes = read_input_shapes(reader);
  config.primary_metric = reader.string("primary_metric", reader.require("primary_metric"));

  config.model_name = config.model.stem().string();
  if (const rapidjson::Value* v = reader.find("model_name")) config.model_name = reader.string("model_name", *v);
  reader.optional_integer("batch_size", config.batch_size, 1);
  reader.optional_choice("target", config.target, known_targets());
  if (const rapidjson::Value* v = reader.find("num_of_bits")) {
    if (!v->IsInt64() || (v->GetInt64() != 8 && v->GetInt64() != 16)) reader.fail("num_of_bits", "8 or 16", *v);
    config.num_of_bits = static_cast<int>(v->GetInt64());
  }
  reader.optional_integer("calib_steps", config.calib_steps, kMinCalibSteps, kMaxCalibSteps);
  reader.optional_choice("metric_direction", config.metric_direction, kMetricDirections);
  if (const rapidjson::Value* v = reader.find("target_metric")) {
    if (v->IsNumber() && std::isfinite(v->GetDouble())) config.target_metric = v->GetDouble();
    else if (!v->IsNull()) reader.fail("target_metric", "a number or null", *v);
  }
  reader.optional_integer("analyse_steps", config.analyse_steps, 1);
  reader.optional_integer("top_k_layers", config.top_k_layers, 1);
  reader.optional_integer("non_computing_top_k", config.non_computing_top_k, 1);
  if (const rapidjson::Value* v = reader.find("graphwise_intervening_excess_threshold")) {
    if (!v->IsNumber() || !(v->GetDouble() >= 0) || !std::isfinite(v->GetDouble()))
      reader.fail("graphwise_intervening_excess_threshold", "a number >= 0", *v);
    config.graphwise_intervening_excess_threshold = v->GetDouble();
  }
  reader.optional_choice("deploy_runtime_priority", config.deploy_runtime_priority, kRuntimePriorities);
  return config;
}

}  // namespace qtune
