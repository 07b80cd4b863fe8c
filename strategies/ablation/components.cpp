#include "components.h"

#include "qtune/history.h"

namespace qtune::ablation {
namespace {

constexpr const char* kPassBlocks[] = {"tqt_optimization",       "lsq_optimization", "equalization", "bias_correct",
                                       "blockwise_reconstruction", "weight_split",   "fusion_alignment"};

bool enabled(const rapidjson::Value& setting, const char* key) {
  const auto* block = json_member(&setting, key);
  if (block == nullptr || !block->IsObject()) return false;
  if (std::string(key) == "fusion_alignment") return block->MemberCount() > 0;
  return json_truthy(json_member(block, "enabled"));
}

std::string entry_op(const rapidjson::Value& entry) {
  const auto* op = json_member(&entry, "op");
  return python_str(json_truthy(op) ? op : json_member(&entry, "op_name"));
}

const rapidjson::Value* split_layers(const rapidjson::Value& setting) {
  if (!enabled(setting, "weight_split")) return nullptr;
  const auto* layers = json_member(json_member(&setting, "weight_split"), "interested_layers");
  return layers != nullptr && layers->IsArray() ? layers : nullptr;
}

void remove(search::Document& s, const Component& c) {
  const auto colon = c.name.find(':');
  if (colon == std::string::npos) {
    s.RemoveMember(c.name.c_str());
    return;
  }
  const std::string kind = c.name.substr(0, colon), item = c.name.substr(colon + 1);
  if (kind == "int16" && s.HasMember("dispatching_table") && s["dispatching_table"].IsArray()) {
    auto& table = s["dispatching_table"];
    for (auto it = table.Begin(); it != table.End(); ++it)
      if (json_equals_number(json_member(it, "bits"), 16) && entry_op(*it) == item) {
        table.Erase(it);
        break;
      }
    if (table.Empty()) s.RemoveMember("dispatching_table");
  } else if (kind == "weight_split" && s.HasMember("weight_split")) {
    auto* layers = const_cast<rapidjson::Value*>(split_layers(s));
    if (layers == nullptr) return;
    for (auto it = layers->Begin(); it != layers->End(); ++it)
      if (it->IsString() && item == it->GetString()) {
        layers->Erase(it);
        break;
      }
  }
}

}  // namespace

std::vector<Component> components_of(const rapidjson::Value& setting) {
  std::vector<Component> out;
  const auto* layers = split_layers(setting);
  for (const char* key : kPassBlocks) {
    if (!enabled(setting, key)) continue;
    if (std::string(key) == "weight_split" && layers != nullptr && layers->Size() > 1) {
      for (const auto& layer : layers->GetArray())
        if (layer.IsString()) out.push_back({std::string("weight_split:") + layer.GetString(), true});
      continue;
    }
    out.push_back({key, std::string(key) == "weight_split"});
  }
  const auto* table = json_member(&setting, "dispatching_table");
  if (table != nullptr && table->IsArray())
    for (const auto& entry : table->GetArray())
      if (entry.IsObject() && json_equals_number(json_member(&entry, "bits"), 16))
        out.push_back({"int16:" + entry_op(entry), true});
  return out;
}

std::shared_ptr<search::Document> without(const rapidjson::Value& setting, const Component& component) {
  auto s = search::copy_setting(setting);
  remove(*s, component);
  return s;
}

std::shared_ptr<search::Document> without_all(const rapidjson::Value& setting, const std::vector<Component>& components) {
  auto s = search::copy_setting(setting);
  for (const auto& c : components) remove(*s, c);
  return s;
}

}  // namespace qtune::ablation
