#include "report/python_snippet.h"

#include <fmt/format.h>

#include "qtune/history.h"

namespace qtune::report {
namespace {

bool enabled(const rapidjson::Value& setting, const char* key) {
  const rapidjson::Value* block = json_member(&setting, key);
  return block && block->IsObject() && json_truthy(json_member(block, "enabled"));
}

// `prefix.{k} = repr(v)` for each of `keys` present in the block.
void keys_of(std::string& out, const rapidjson::Value& block, const std::string& prefix,
             std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (const rapidjson::Value* v = json_member(&block, key))
      out += fmt::format("{}.{} = {}\n", prefix, key, python_repr(*v));
}

}  // namespace

std::string python_snippet(const rapidjson::Value& setting, const std::string& target_chip) {
  std::string out = "from esp_ppq import QuantizationSettingFactory\n";
  const rapidjson::Value* table = json_member(&setting, "dispatching_table");
  if (json_truthy(table)) out += "from esp_ppq.api import get_target_platform\n";
  out += "\nsetting = QuantizationSettingFactory.espdl_setting()\n";

  if (const rapidjson::Value* calib = json_member(&setting, "calib_algorithm"); json_truthy(calib))
    out += fmt::format("setting.quantize_activation_setting.calib_algorithm = {}\n", python_repr(*calib));
  if (enabled(setting, "equalization")) {
    out += "setting.equalization = True\n";
    keys_of(out, setting["equalization"], "setting.equalization_setting",
            {"iterations", "value_threshold", "opt_level", "including_bias", "including_act"});
  }
  if (enabled(setting, "bias_correct")) {
    out += "setting.bias_correct = True\n";
    keys_of(out, setting["bias_correct"], "setting.bias_correct_setting", {"block_size", "steps"});
  }
  if (enabled(setting, "tqt_optimization")) {
    out += "setting.tqt_optimization = True\n";
    keys_of(out, setting["tqt_optimization"], "setting.tqt_optimization_setting",
            {"lr", "steps", "block_size", "is_scale_trainable", "gamma", "int_lambda", "collecting_device"});
  }
  if (enabled(setting, "blockwise_reconstruction")) {
    out += "setting.blockwise_reconstruction = True\n";
    keys_of(out, setting["blockwise_reconstruction"], "setting.blockwise_reconstruction_setting",
            {"lr", "steps", "block_size", "is_scale_trainable", "gamma", "collecting_device"});
  }
  if (const rapidjson::Value* fusion = json_member(&setting, "fusion_alignment");
      fusion && fusion->IsObject() && fusion->MemberCount() > 0)
    keys_of(out, *fusion, "setting.fusion_setting",
            {"align_avgpooling_to", "align_elementwise_to", "align_concat_to", "align_resize_to",
             "force_alignment_overlap"});
  if (enabled(setting, "weight_split")) {
    const rapidjson::Value& block = setting["weight_split"];
    out += "setting.weight_split = True\n";
    if (const rapidjson::Value* layers = json_member(&block, "interested_layers");
        layers && layers->IsArray() && !layers->Empty())
      out += fmt::format("setting.weight_split_setting.interested_layers = {}\n", python_repr(*layers));
    keys_of(out, block, "setting.weight_split_setting", {"value_threshold", "method"});
  }
  if (table && table->IsArray()) {
    rapidjson::Value chip(target_chip.c_str(), static_cast<rapidjson::SizeType>(target_chip.size()));
    for (const auto& entry : table->GetArray()) {
      if (!entry.IsObject()) continue;
      const rapidjson::Value* op = json_member(&entry, "op");
      if (!json_truthy(op)) op = json_member(&entry, "op_name");
      const rapidjson::Value* bits = json_member(&entry, "bits");
      if (!json_truthy(op) || !bits || bits->IsNull()) continue;
      out += "setting.dispatching_table.append(\n";
      out += fmt::format("    operation={},\n", python_repr(*op));
      out += fmt::format("    platform=get_target_platform({}, {}),\n", python_repr(chip), python_repr(*bits));
      out += ")\n";
    }
  }
  return out;
}

}  // namespace qtune::report
