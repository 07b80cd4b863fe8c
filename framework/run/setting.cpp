// setting.json text <-> Setting. Keys and their meaning follow the reference's
// apply_setting (search_state_machine.md §16); every rejection names the file and key.
#include "run/setting.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "qtune/error.h"
#include "run/setting_json.h"

namespace qtune {
namespace {

constexpr const char* kIterationIdKey = "iteration_id";
constexpr const char* kRationaleKey = "rationale";
constexpr const char* kCalibKey = "calib_algorithm";
constexpr const char* kDispatchKey = "dispatching_table";
constexpr const char* kExtraKey = "extra";
constexpr const char* kEnabledKey = "enabled";
// Calibration of espdl_setting() (reference §1.6).
constexpr const char* kDefaultCalibration = "kl";
// The reference harness's baseline rationale (search_state_machine.md §16, quirk 18).
constexpr const char* kBaselineRationale = "default espdl_setting() baseline";
// Bit widths a dispatching_table entry may ask for (get_target_platform, reference §1.1).
const std::set<int> kDispatchBits = {8, 16};

using JsonValue = rapidjson::Value;

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& expected,
                       const JsonValue& got) {
  throw InputError(fmt::format("{}: key '{}' must be {}, got {}", source, key, expected, json_text(got)));
}

void check_unique_members(const JsonValue& object, const std::string& source, const std::string& prefix) {
  std::set<std::string> seen;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string key = it->name.GetString();
    if (!seen.insert(key).second)
      throw InputError(fmt::format("{}: key '{}{}' appears more than once", source, prefix, key));
  }
}

// JSON -> raw option value; the pass's schema checks the type later.
OptionValue option_from_json(const JsonValue& v, const std::string& source, const std::string& key) {
  if (v.IsNull()) return std::monostate{};
  if (v.IsBool()) return v.GetBool();
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsUint64()) fail(source, key, "an integer within the 64-bit signed range", v);
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsArray()) {
    const auto items = v.GetArray();
    if (items.Empty()) return std::vector<std::string>{};
    if (std::all_of(items.begin(), items.end(), [](const JsonValue& x) { return x.IsString(); })) {
      std::vector<std::string> out;
      for (const auto& x : items) out.emplace_back(x.GetString(), x.GetStringLength());
      return out;
    }
    if (std::all_of(items.begin(), items.end(), [](const JsonValue& x) { return x.IsNumber(); })) {
      std::vector<double> out;
      for (const auto& x : items) out.push_back(x.GetDouble());
      return out;
    }
    fail(source, key, "a list of strings or a list of numbers", v);
  }
  std::map<std::string, std::string> out;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (!it->value.IsString()) fail(source, key, "an object whose values are strings", v);
    out[it->name.GetString()] = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return out;
}

PassBlock read_block(const std::string& key, const JsonValue& v, const std::string& source) {
  if (!v.IsObject()) fail(source, key, "an object (the pass's options) or null", v);
  check_unique_members(v, source, key + ".");
  PassBlock block;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string name = it->name.GetString();
    const std::string path = key + "." + name;
    if (name == kEnabledKey) {
      if (key == kFusionAlignmentKey)
        throw InputError(fmt::format(
            "{}: key '{}' does not exist: fusion_alignment has no enabled flag (alignment always runs; a non-empty "
            "block overrides its defaults, an empty one keeps them)",
            source, path));
      if (!it->value.IsBool()) fail(source, path, "true or false", it->value);
      block.enabled = it->value.GetBool();
      continue;
    }
    block.given[name] = option_from_json(it->value, source, path);
  }
  return block;
}

std::map<std::string, int> read_dispatching_table(const JsonValue& v, const std::string& source) {
  std::map<std::string, int> table;
  if (v.IsNull()) return table;
  if (!v.IsArray()) fail(source, kDispatchKey, "a list of {\"op\": name, \"bits\": 8 or 16} objects", v);
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const JsonValue& entry = v[i];
    const std::string at = fmt::format("{}[{}]", kDispatchKey, i);
    if (!entry.IsObject()) fail(source, at, "an object {\"op\": name, \"bits\": 8 or 16}", entry);
    check_unique_members(entry, source, at + ".");
    const JsonValue* op = nullptr;
    const JsonValue* bits = nullptr;
    const char* op_key = "op";
    for (auto it = entry.MemberBegin(); it != entry.MemberEnd(); ++it) {
      const std::string name = it->name.GetString();
      if (name == "op" || name == "op_name") {
        // The skill's lever-3e template writes op_name; the reference reader only takes op
        // (quirk 6). Both are accepted here, not together.
        if (op)
          throw InputError(fmt::format("{}: key '{}' has both 'op' and 'op_name'; give one", source, at));
        op = &it->value;
        op_key = name == "op" ? "op" : "op_name";
      } else if (name == "bits") {
        bits = &it->value;
      } else {
        throw InputError(fmt::format("{}: unknown key '{}.{}' (known: op, bits; op_name is accepted for op)", source,
                                     at, name));
      }
    }
    if (!op) throw InputError(fmt::format("{}: key '{}' is missing 'op' (the simplified graph's op name)", source, at));
    if (!bits) throw InputError(fmt::format("{}: key '{}' is missing 'bits' (8 or 16)", source, at));
    const std::string op_path = fmt::format("{}.{}", at, op_key);
    if (!op->IsString() || op->GetStringLength() == 0) fail(source, op_path, "a non-empty op name", *op);
    if (!bits->IsInt() || !kDispatchBits.contains(bits->GetInt()))
      fail(source, at + ".bits", "8 or 16", *bits);
    const std::string name(op->GetString(), op->GetStringLength());
    if (table.contains(name))
      throw InputError(fmt::format("{}: key '{}' dispatches op '{}' a second time", source, at, name));
    table[name] = static_cast<int>(bits->GetInt64());
  }
  return table;
}

rapidjson::Value to_json(const OptionValue& value, rapidjson::Document::AllocatorType& a) {
  rapidjson::Value out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out.SetNull();
        } else if constexpr (std::is_same_v<T, bool>) {
          out.SetBool(x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.SetInt64(x);
        } else if constexpr (std::is_same_v<T, double>) {
          out.SetDouble(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.SetString(x.c_str(), static_cast<rapidjson::SizeType>(x.size()), a);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          out.SetArray();
          for (const auto& s : x) out.PushBack(rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a), a);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          out.SetArray();
          for (double d : x) out.PushBack(rapidjson::Value(d), a);
        } else {
          out.SetObject();
          for (const auto& [k, s] : x)
            out.AddMember(rapidjson::Value(k.c_str(), static_cast<rapidjson::SizeType>(k.size()), a),
                          rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a), a);
        }
      },
      value);
  return out;
}

}  // namespace

namespace detail {
void add_member(rapidjson::Document& doc, rapidjson::Value& object, const std::string& key, rapidjson::Value value) {
  auto& a = doc.GetAllocator();
  object.AddMember(rapidjson::Value(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), a), value, a);
}
rapidjson::Value option_to_json(const OptionValue& value, rapidjson::Document& doc) {
  return to_json(value, doc.GetAllocator());
}
void write_common_head(rapidjson::Document& doc, const std::optional<std::int64_t>& iteration_id,
                       const std::string& rationale, const std::string& calib) {
  auto& a = doc.GetAllocator();
  if (iteration_id) add_member(doc, doc, kIterationIdKey, rapidjson::Value(*iteration_id));
  add_member(doc, doc, kRationaleKey, rapidjson::Value(rationale.c_str(), static_cast<rapidjson::SizeType>(rationale.size()), a));
  add_member(doc, doc, kCalibKey, rapidjson::Value(calib.c_str(), static_cast<rapidjson::SizeType>(calib.size()), a));
}
void write_common_tail(rapidjson::Document& doc, const std::map<std::string, int>& table, const std::string& extra) {
  auto& a = doc.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& [op, bits] : table) {
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("op", rapidjson::Value(op.c_str(), static_cast<rapidjson::SizeType>(op.size()), a), a);
    entry.AddMember("bits", bits, a);
    list.PushBack(entry, a);
  }
  add_member(doc, doc, kDispatchKey, std::move(list));
  rapidjson::Value extra_value(rapidjson::kObjectType);
  if (!extra.empty()) {
    rapidjson::Document parsed = parse_json(extra, "setting extra");
    extra_value.CopyFrom(parsed, a);
  }
  add_member(doc, doc, kExtraKey, std::move(extra_value));
}
}  // namespace detail

const std::vector<std::string>& setting_block_keys() {
  static const std::vector<std::string> keys = {kEqualizationKey, kBiasCorrectKey, kWeightSplitKey,
                                                kTqtKey,          kLsqKey,         kBlockwiseKey,
                                                kFusionAlignmentKey};
  return keys;
}

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {kIterationIdKey, kRationaleKey, kCalibKey};
    for (const auto& b : setting_block_keys()) k.push_back(b);
    k.push_back(kDispatchKey);
    k.push_back(kExtraKey);
    return k;
  }();
  return keys;
}

bool Setting::is_enabled(const std::string& key) const {
  auto it = blocks.find(key);
  if (it == blocks.end()) return false;
  if (key == kFusionAlignmentKey) return !it->second.given.empty();
  return it->second.enabled.value_or(false);
}

Setting parse_setting(const std::string& text, const std::string& source) {
  const rapidjson::Document doc = parse_json(text, source);
  if (!doc.IsObject())
    throw InputError(fmt::format("{}: a setting must be a JSON object, got {}", source, json_type_name(doc)));
  check_unique_members(doc, source, "");

  Setting setting;
  setting.source = source;
  const auto& blocks = setting_block_keys();
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key = it->name.GetString();
    const JsonValue& v = it->value;
    if (key == kIterationIdKey) {
      if (v.IsNull()) continue;
      if (!v.IsInt64() || v.GetInt64() < 0) fail(source, key, "an integer >= 0", v);
      setting.iteration_id = v.GetInt64();
    } else if (key == kRationaleKey) {
      if (v.IsNull()) continue;
      if (!v.IsString()) fail(source, key, "a string", v);
      setting.rationale.assign(v.GetString(), v.GetStringLength());
    } else if (key == kCalibKey) {
      if (v.IsNull()) continue;
      if (!v.IsString() || v.GetStringLength() == 0) fail(source, key, "a calibration algorithm name", v);
      setting.calib_algorithm = to_lower(std::string(v.GetString(), v.GetStringLength()));
    } else if (std::find(blocks.begin(), blocks.end(), key) != blocks.end()) {
      if (v.IsNull()) continue;
      setting.blocks[key] = read_block(key, v, source);
    } else if (key == kDispatchKey) {
      setting.dispatching_table = read_dispatching_table(v, source);
    } else if (key == kExtraKey) {
      if (v.IsNull()) continue;
      if (!v.IsObject()) fail(source, key, "an object", v);
      if (v.MemberCount() > 0) {
        check_unique_members(v, source, "extra.");
        setting.extra = json_text(v);
      }
    } else {
      throw InputError(
          fmt::format("{}: unknown key '{}' (known keys: {})", source, key, fmt::join(setting_keys(), ", ")));
    }
  }
  return setting;
}

Setting read_setting_file(const std::filesystem::path& path) {
  return parse_setting(read_file(path), path.string());
}

Setting baseline_setting() {
  Setting setting;
  setting.rationale = kBaselineRationale;
  setting.calib_algorithm = kDefaultCalibration;
  return setting;
}

std::string setting_to_json(const Setting& setting) {
  rapidjson::Document doc(rapidjson::kObjectType);
  detail::write_common_head(doc, setting.iteration_id, setting.rationale, setting.calib_algorithm);
  for (const auto& key : setting_block_keys()) {
    auto it = setting.blocks.find(key);
    if (it == setting.blocks.end()) continue;
    rapidjson::Value block(rapidjson::kObjectType);
    if (it->second.enabled) detail::add_member(doc, block, kEnabledKey, rapidjson::Value(*it->second.enabled));
    for (const auto& [name, value] : it->second.given)
      detail::add_member(doc, block, name, detail::option_to_json(value, doc));
    detail::add_member(doc, doc, key, std::move(block));
  }
  detail::write_common_tail(doc, setting.dispatching_table, setting.extra);
  return json_pretty(doc) + "\n";
}

std::string option_value_json(const OptionValue& value) {
  rapidjson::Document doc;
  return json_text(detail::option_to_json(value, doc));
}

}  // namespace qtune
