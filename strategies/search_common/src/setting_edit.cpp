#include "qtune/search/setting_edit.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/writer.h>

namespace qtune::search {
namespace {

constexpr const char* kPassBlocks[] = {"equalization",     "bias_correct",          "weight_split",
                                       "tqt_optimization", "lsq_optimization",      "blockwise_reconstruction"};

// The setting's meaning as one canonical text: keys sorted, disabled blocks, empty
// tables/objects and the bookkeeping keys dropped, calib lower-cased with kl default.
void canonical(const rapidjson::Value& v, std::string& out);

void canonical_object(const rapidjson::Value& v, std::string& out, bool top) {
  std::vector<std::string> keys;
  for (const auto& m : v.GetObject()) keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
  std::sort(keys.begin(), keys.end());
  out += '{';
  for (const auto& key : keys) {
    const auto& value = v[key.c_str()];
    if (top) {
      if (key == "iteration_id" || key == "rationale" || key == "calib_algorithm") continue;
      if (!json_truthy(&value)) continue;  // empty fusion_alignment / dispatching_table / extra
      if (value.IsObject() && value.HasMember("enabled") && !json_truthy(&value["enabled"])) continue;
    }
    out += key + ':';
    canonical(value, out);
    out += ',';
  }
  out += '}';
}

void canonical(const rapidjson::Value& v, std::string& out) {
  if (v.IsObject()) return canonical_object(v, out, false);
  if (v.IsArray()) {
    out += '[';
    for (const auto& item : v.GetArray()) canonical(item, out), out += ',';
    out += ']';
    return;
  }
  if (v.IsNumber() || v.IsBool()) out += python_float_repr(json_number(v));  // 500 == 500.0 == ...
  else out += python_repr(v);
}

std::string meaning(const rapidjson::Value& setting) {
  if (!setting.IsObject()) return "";
  std::string out;
  const auto* calib = json_member(&setting, "calib_algorithm");
  std::string c = json_truthy(calib) ? python_str(calib) : "kl";
  std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
  out += "calib=" + c + ";";
  canonical_object(setting, out, true);
  return out;
}

}  // namespace

std::shared_ptr<Document> copy_setting(const rapidjson::Value& setting) {
  auto doc = std::make_shared<Document>();
  doc->SetObject();
  if (setting.IsObject())
    for (const auto& m : setting.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "iteration_id" || key == "rationale") continue;
      doc->AddMember(rapidjson::Value(key.c_str(), doc->GetAllocator()),
                     rapidjson::Value(m.value, doc->GetAllocator()), doc->GetAllocator());
    }
  return doc;
}

void deep_merge(rapidjson::Value& target, const rapidjson::Value& snippet, Document::AllocatorType& allocator) {
  for (const auto& m : snippet.GetObject()) {
    auto it = target.FindMember(m.name);
    if (it != target.MemberEnd() && it->value.IsObject() && m.value.IsObject()) {
      deep_merge(it->value, m.value, allocator);
    } else if (it != target.MemberEnd()) {
      it->value.CopyFrom(m.value, allocator);
    } else {
      target.AddMember(rapidjson::Value(m.name, allocator), rapidjson::Value(m.value, allocator), allocator);
    }
  }
}

std::string setting_text(const Document& setting, const std::string& rationale) {
  Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  out.AddMember("rationale", rapidjson::Value(rationale.c_str(), a), a);
  for (const auto& m : setting.GetObject())
    if (std::string(m.name.GetString()) != "rationale" && std::string(m.name.GetString()) != "iteration_id")
      out.AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value, a), a);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  out.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int already_run(const History& rows, const rapidjson::Value& setting) {
  const std::string wanted = meaning(setting);
  for (const auto& row : rows)
    if (meaning(row.setting()) == wanted) return row.id;
  return -1;
}

std::string enabled_summary(const rapidjson::Value& setting) {
  std::string out = "calib " + (json_truthy(json_member(&setting, "calib_algorithm"))
                                    ? python_str(json_member(&setting, "calib_algorithm"))
                                    : std::string("kl"));
  for (const char* key : kPassBlocks) {
    const auto* block = json_member(&setting, key);
    if (block != nullptr && block->IsObject() && json_truthy(json_member(block, "enabled"))) out += std::string(" + ") + key;
  }
  if (json_truthy(json_member(&setting, "fusion_alignment"))) out += " + fusion_alignment";
  const auto* table = json_member(&setting, "dispatching_table");
  if (table != nullptr && table->IsArray() && !table->Empty()) out += fmt::format(" + int16x{}", table->Size());
  return out;
}

}  // namespace qtune::search
