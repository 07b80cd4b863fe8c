#include "scenario_json.h"

#include "qtune/search/json_util.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace qtune::scenarios {

namespace fs = std::filesystem;

// Numbers closer than this are equal (the scenario floats are printed values).
constexpr double kFloatTolerance = 1e-9;

void decode_floats(JsonValue& value) {
  if (value.IsObject()) {
    if (value.MemberCount() == 1 && value.HasMember("$float") && value["$float"].IsString()) {
      const std::string kind = value["$float"].GetString();
      const double inf = std::numeric_limits<double>::infinity();
      if (kind == "nan") value.SetDouble(std::numeric_limits<double>::quiet_NaN());
      else if (kind == "inf") value.SetDouble(inf);
      else if (kind == "-inf") value.SetDouble(-inf);
      return;
    }
    for (auto& m : value.GetObject()) decode_floats(m.value);
  } else if (value.IsArray()) {
    for (auto& v : value.GetArray()) decode_floats(v);
  }
}

std::string dump_json(const JsonValue& value) { return qtune::search::compact_json(value); }

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_file_value(const fs::path& path, const JsonValue& value) {
  write_text(path, value.IsString() ? std::string(value.GetString(), value.GetStringLength()) : dump_json(value));
}

std::optional<std::string> match(const JsonValue& expected, const JsonValue* actual, const std::string& path,
                                 bool exact_keys) {
  auto mismatch = [&] {
    return fmt::format("{}: expected {}, got {}", path, dump_json(expected),
                       actual != nullptr ? dump_json(*actual) : std::string("<absent>"));
  };
  if (actual == nullptr) return mismatch();
  if (expected.IsNull()) return actual->IsNull() ? std::nullopt : std::optional(mismatch());
  if (expected.IsBool()) return actual->IsBool() && actual->GetBool() == expected.GetBool() ? std::nullopt
                                                                                             : std::optional(mismatch());
  if (expected.IsNumber()) {
    if (!actual->IsNumber()) return mismatch();
    const double e = expected.GetDouble();
    const double a = actual->GetDouble();
    if (std::isnan(e) && std::isnan(a)) return std::nullopt;
    if (e == a || std::fabs(e - a) <= kFloatTolerance) return std::nullopt;
    return mismatch();
  }
  if (expected.IsString()) return actual->IsString() && std::string(actual->GetString()) == expected.GetString()
                                      ? std::nullopt
                                      : std::optional(mismatch());
  if (expected.IsArray()) {
    if (!actual->IsArray() || actual->Size() != expected.Size()) return mismatch();
    for (rapidjson::SizeType i = 0; i < expected.Size(); ++i)
      if (auto m = match(expected[i], &(*actual)[i], fmt::format("{}[{}]", path, i))) return m;
    return std::nullopt;
  }
  if (!actual->IsObject()) return mismatch();
  for (const auto& m : expected.GetObject()) {
    const std::string key = m.name.GetString();
    const auto it = actual->FindMember(m.name);
    if (auto r = match(m.value, it == actual->MemberEnd() ? nullptr : &it->value, path + "." + key)) return r;
  }
  if (exact_keys && actual->MemberCount() != expected.MemberCount()) return mismatch();
  return std::nullopt;
}

const JsonValue* at_path(const JsonValue& root, const std::string& dotted) {
  const JsonValue* node = &root;
  std::size_t start = 0;
  while (node != nullptr) {
    const std::size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->IsObject()) return nullptr;
    const auto it = node->FindMember(key.c_str());
    node = it == node->MemberEnd() ? nullptr : &it->value;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

std::vector<std::string> string_list(const JsonValue* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  if (list->IsString()) out.emplace_back(list->GetString());
  if (list->IsArray())
    for (const auto& v : list->GetArray())
      if (v.IsString()) out.emplace_back(v.GetString());
  return out;
}

std::optional<std::string> check_contains(const std::string& what, const std::string& text, const JsonValue* needles,
                                          bool negate) {
  for (const std::string& needle : string_list(needles)) {
    const bool found = text.find(needle) != std::string::npos;
    if (found == negate)
      return fmt::format("{} {} \"{}\"", what, negate ? "contains" : "does not contain", needle);
  }
  return std::nullopt;
}

}  // namespace qtune::scenarios
