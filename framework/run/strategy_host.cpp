#include "run/strategy_host.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "artifacts/directory_artifact_store.h"
#include "artifacts/json.h"
#include "qtune/error.h"
#include "run/setting_plugins.h"

namespace qtune {
namespace {

// Setting keys the framework handles without a pass plugin.
const std::vector<std::string> kBuiltinSettingKeys = {"dispatching_table", "calib_algorithm", "extra", "iteration_id",
                                                      "rationale"};

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  if (trim(text).empty()) return out;
  std::string::size_type start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A JSON value as a raw option value (the schema checks the type afterwards).
OptionValue option_from_json(const rapidjson::Value& v, const std::string& owner, const std::string& key) {
  auto fail = [&](const char* expected) {
    return InputError(fmt::format("{}: option '{}' must be {}, got {}", owner, key, expected, json_text(v)));
  };
  if (v.IsNull()) return std::monostate{};
  if (v.IsBool()) return v.GetBool();
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsArray()) {
    const auto items = v.GetArray();
    if (items.Empty()) return std::vector<std::string>{};
    if (std::all_of(items.begin(), items.end(), [](const rapidjson::Value& x) { return x.IsString(); })) {
      std::vector<std::string> out;
      for (const auto& x : items) out.emplace_back(x.GetString(), x.GetStringLength());
      return out;
    }
    if (std::all_of(items.begin(), items.end(), [](const rapidjson::Value& x) { return x.IsNumber(); })) {
      std::vector<double> out;
      for (const auto& x : items) out.push_back(x.GetDouble());
      return out;
    }
    throw fail("a list of strings or a list of numbers");
  }
  std::map<std::string, std::string> out;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (!it->value.IsString()) throw fail("an object whose values are strings");
    out[it->name.GetString()] = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return out;
}

// --strategy-option text as a raw option value of the spec's type.
OptionValue option_from_text(const OptionSpec* spec, const std::string& text, const std::string& owner,
                             const std::string& key) {
  auto fail = [&](const char* expected) {
    return InputError(fmt::format("{}: option '{}' must be {}, got '{}'", owner, key, expected, text));
  };
  // Unknown option: hand the text on; resolve_options names the option and the known ones.
  if (!spec) return text;
  const std::string t = trim(text);
  auto parse_json_text = [&]() -> std::optional<rapidjson::Document> {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNanAndInfFlag>(t.c_str(), t.size());
    if (doc.HasParseError()) return std::nullopt;
    return doc;
  };
  switch (spec->type) {
    case OptionType::Bool: {
      std::string lower = t;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
      if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
      throw fail("true or false");
    }
    case OptionType::Int: {
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(t.c_str(), &end, 10);
      if (t.empty() || *end != '\0' || errno == ERANGE) throw fail("an integer");
      return static_cast<std::int64_t>(v);
    }
    case OptionType::Float: {
      char* end = nullptr;
      const double v = std::strtod(t.c_str(), &end);
      if (t.empty() || *end != '\0') throw fail("a number");
      return v;
    }
    case OptionType::String:
    case OptionType::Enum:
      return text;
    case OptionType::StringList: {
      if (t.starts_with("[")) {
        if (auto doc = parse_json_text()) return option_from_json(*doc, owner, key);
        throw fail("a JSON array of strings or comma-separated names");
      }
      return split_commas(t);
    }
    case OptionType::FloatList: {
      if (t.starts_with("[")) {
        if (auto doc = parse_json_text()) {
          OptionValue v = option_from_json(*doc, owner, key);
          if (std::holds_alternative<std::vector<std::string>>(v) && std::get<std::vector<std::string>>(v).empty())
            return std::vector<double>{};
          return v;
        }
        throw fail("a JSON array of numbers or comma-separated numbers");
      }
      std::vector<double> out;
      for (const auto& item : split_commas(t)) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0') throw fail("comma-separated numbers");
        out.push_back(v);
      }
      return out;
    }
    case OptionType::StringMap: {
      if (t.starts_with("{")) {
        if (auto doc = parse_json_text()) return option_from_json(*doc, owner, key);
        throw fail("a JSON object of strings or k:v,k:v");
      }
      std::map<std::string, std::string> out;
      for (const auto& item : split_commas(t)) {
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0) throw fail("k:v,k:v pairs");
        out[trim(item.substr(0, colon))] = trim(item.substr(colon + 1));
      }
      return out;
    }
  }
  return text;
}

// StrategyContext over one outputs/ folder.
class HostStrategyContext final : public StrategyContext {
 public:
  HostStrategyContext(const StrategyHost& host, std::filesystem::path outputs, const History& rows,
                      ContractConfig config, int iterations_left, Log& log)
      : host_(host),
        outputs_(std::move(outputs)),
        rows_(rows),
        config_(std::move(config)),
        iterations_left_(iterations_left),
        store_(outputs_),
        log_(log) {}

  std::filesystem::path outputs_dir() const override { return outputs_; }
  const History& history() const override { return rows_; }
  const ContractConfig& config() const override { return config_; }
  int iterations_left() const override { return iterations_left_; }
  bool pass_available(const std::string& setting_key) const override { return host_.pass_available(setting_key); }
  ArtifactStore& run_artifacts() override { return store_; }
  Log& log() override { return log_; }

 private:
  const StrategyHost& host_;
  std::filesystem::path outputs_;
  const History& rows_;
  ContractConfig config_;
  int iterations_left_;
  DirectoryArtifactStore store_;
  Log& log_;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string strategy_label(const StrategyHost& host, const std::string& name) {
  const LoadedPlugin* plugin = host.plugins().find("strategy", name);
  return plugin ? fmt::format("strategy '{}' ({})", name, plugin->path.string()) : fmt::format("strategy '{}'", name);
}

}  // namespace

RawOptions parse_option_assignments(const std::vector<std::string>& words) {
  RawOptions out;
  for (const auto& word : words) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || trim(word.substr(0, eq)).empty())
      throw InputError(fmt::format("--strategy-option '{}': expected key=value", word));
    out[trim(word.substr(0, eq))] = word.substr(eq + 1);
  }
  return out;
}

std::optional<RecordedStrategy> read_recorded_strategy(const std::filesystem::path& outputs_dir) {
  const std::filesystem::path file = outputs_dir / kRunConfigFile;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  auto doc = std::make_shared<rapidjson::Document>(parse_json(read_file(file), file.string()));
  if (!doc->IsObject()) throw InputError(fmt::format("{}: expected a JSON object", file.string()));
  const auto name = doc->FindMember("strategy");
  if (name == doc->MemberEnd() || !name->value.IsString() || name->value.GetStringLength() == 0)
    throw InputError(fmt::format("{}: key 'strategy' must be a non-empty string", file.string()));
  RecordedStrategy out;
  out.name = name->value.GetString();
  out.options = std::make_shared<rapidjson::Document>(rapidjson::kObjectType);
  const auto options = doc->FindMember("strategy_options");
  if (options != doc->MemberEnd() && !options->value.IsNull()) {
    if (!options->value.IsObject())
      throw InputError(fmt::format("{}: key 'strategy_options' must be an object", file.string()));
    out.options->CopyFrom(options->value, out.options->GetAllocator());
  }
  return out;
}

ContractConfig config_from_history(const History& rows) {
  ContractConfig config;
  config.model_name.clear();
  config.target.clear();
  auto text_of = [](const IterationRow& row, const char* key) -> std::string {
    const rapidjson::Value& v = row.field(key);
    return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
  };
  for (const IterationRow& row : rows) {
    if (const std::string name = text_of(row, "model_name"); !name.empty()) config.model_name = name;
    if (const std::string chip = text_of(row, "target_chip"); !chip.empty()) config.target = chip;
  }
  for (const IterationRow& row : rows)
    if (const std::string pm = row.primary_metric(); !pm.empty()) {
      config.primary_metric = pm;
      break;
    }
  if (const IterationRow* best = best_iteration(rows)) config.metric_direction = best->metric_direction();
  else if (!rows.empty()) config.metric_direction = rows.front().metric_direction();
  config.target_metric = target_metric(rows);
  config.deploy_runtime_priority = runtime_priority(rows);
  return config;
}

StrategyHost::StrategyHost(const std::vector<std::filesystem::path>& extra_dirs, bool default_dirs) {
  std::vector<std::filesystem::path> dirs;
  if (default_dirs) dirs = PluginHost::default_search_path();
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  plugins_.load_directories(dirs);
  const SettingPlugins settings = setting_plugins(plugins_);
  for (const auto& [key, block] : settings.blocks) block_owner_[key] = block.plugin;
  calibration_algorithms_ = settings.calibration_algorithms;
}

std::vector<std::string> StrategyHost::strategy_names() const {
  std::vector<std::string> names;
  for (const LoadedPlugin* plugin : plugins_.of_kind("strategy")) names.push_back(plugin->name);
  std::sort(names.begin(), names.end());
  return names;
}

OptionSchema StrategyHost::schema(const std::string& strategy) const {
  const LoadedPlugin* plugin = plugins_.find("strategy", strategy);
  if (!plugin) {
    const std::vector<std::string> names = strategy_names();
    std::vector<std::string> searched;
    for (const auto& dir : plugins_.searched_directories()) searched.push_back(dir.string());
    throw InputError(fmt::format("no strategy plugin named '{}' (installed: {}; searched: {})", strategy,
                                 names.empty() ? "none" : joined(names),
                                 searched.empty() ? "no directories" : joined(searched)));
  }
  return plugins_.option_schema(*plugin);
}

OptionValues StrategyHost::options(const std::string& strategy, const RawOptions& text,
                                   const rapidjson::Value* json) const {
  const OptionSchema schema_ = schema(strategy);
  const std::string owner = fmt::format("strategy '{}'", strategy);
  auto spec_of = [&](const std::string& key) -> const OptionSpec* {
    for (const auto& spec : schema_)
      if (spec.name == key) return &spec;
    return nullptr;
  };
  std::map<std::string, OptionValue> given;
  if (json && json->IsObject())
    for (auto it = json->MemberBegin(); it != json->MemberEnd(); ++it) {
      const std::string key = it->name.GetString();
      OptionValue v = option_from_json(it->value, owner, key);
      // An int where a Float is declared, [] where a FloatList is declared: normalise.
      if (const OptionSpec* spec = spec_of(key)) {
        if (spec->type == OptionType::FloatList && std::holds_alternative<std::vector<std::string>>(v) &&
            std::get<std::vector<std::string>>(v).empty())
          v = std::vector<double>{};
      }
      given[key] = std::move(v);
    }
  for (const auto& [key, value] : text) given[key] = option_from_text(spec_of(key), value, owner, key);
  return resolve_options(schema_, given, owner);
}

StrategyDecision StrategyHost::decide(const std::string& strategy, const std::filesystem::path& outputs_dir,
                                      const OptionValues& options, int iterations_left,
                                      const ContractConfig* contract_config, Log& log,
                                      const History* history) const {
  schema(strategy);  // an unknown name fails here, listing the installed strategies
  History loaded;
  if (!history) {
    loaded = load_history(outputs_dir);
    history = &loaded;
  }
  ContractConfig config = contract_config ? *contract_config : config_from_history(*history);
  HostStrategyContext context(*this, outputs_dir, *history, std::move(config), iterations_left, log);
  const std::string label = strategy_label(*this, strategy);
  std::unique_ptr<Plugin> instance = plugins_.create("strategy", strategy);
  // Kind "strategy" guarantees the class derives Strategy (plugin.h): no dynamic_cast.
  auto& object = static_cast<Strategy&>(*instance);
  try {
    return object.decide(context, options);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", label, e.what()));
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: decide() failed: {}", label, e.what()));
  } catch (...) {
    throw Error(fmt::format("{}: decide() threw a non-standard exception", label));
  }
}

bool StrategyHost::pass_available(const std::string& setting_key) const {
  if (std::find(kBuiltinSettingKeys.begin(), kBuiltinSettingKeys.end(), setting_key) != kBuiltinSettingKeys.end())
    return true;
  if (block_owner_.count(setting_key)) return true;
  std::string calib = setting_key;
  if (calib.starts_with("calib_algorithm:")) calib = calib.substr(std::string("calib_algorithm:").size());
  std::transform(calib.begin(), calib.end(), calib.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(calibration_algorithms_.begin(), calibration_algorithms_.end(), calib) !=
         calibration_algorithms_.end();
}

}  // namespace qtune
