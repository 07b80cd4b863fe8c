#include "qtune/search/templates.h"

#include "qtune/search/json_util.h"

namespace qtune::search {
namespace {

using rapidjson::Document;
using rapidjson::StringRef;

void set_member(JsonValue& object, const char* key, JsonValue value, JsonAllocator& a) {
  auto it = object.FindMember(key);
  if (it != object.MemberEnd()) it->value = std::move(value);  // keep the key's position
  else object.AddMember(JsonValue(key, a), std::move(value), a);
}

// The default TQT block the templates write (esp-ppq defaults, "cuda" as the skill writes).
JsonValue default_tqt(JsonAllocator& a) {
  JsonValue t(rapidjson::kObjectType);
  t.AddMember("enabled", true, a);
  t.AddMember("lr", 1e-5, a);
  t.AddMember("steps", 500, a);
  t.AddMember("block_size", 4, a);
  t.AddMember("is_scale_trainable", true, a);
  t.AddMember("gamma", 0.0, a);
  t.AddMember("int_lambda", 0.0, a);
  t.AddMember("collecting_device", "cuda", a);
  return t;
}

// §6.2 base_tqt: the default keys, each value from best's TQT block when present (raw,
// so ints stay ints); enabled is always true, so 3a-x on a non-TQT best turns TQT on.
JsonValue base_tqt(const IterationRow* best, JsonAllocator& a) {
  JsonValue t = default_tqt(a);
  const JsonValue* block = best != nullptr ? object_block(best->setting(), "tqt_optimization") : nullptr;
  if (block == nullptr) return t;
  for (auto& m : t.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "enabled") continue;
    if (const JsonValue* v = json_member(block, key.c_str())) m.value.CopyFrom(*v, a);
  }
  return t;
}

JsonValue lever_snippet_value(const std::string& lever, const IterationRow* best, JsonAllocator& a) {
  JsonValue v(rapidjson::kObjectType);
  if (lever == "3a-1" || lever == "3a-2" || lever == "3a-3") {
    v = base_tqt(best, a);
    if (lever == "3a-1") {
      set_member(v, "steps", JsonValue(1000), a);
      set_member(v, "lr", JsonValue(1e-5), a);
      set_member(v, "block_size", JsonValue(4), a);
    } else if (lever == "3a-2") {
      set_member(v, "steps", JsonValue(2000), a);
      set_member(v, "lr", JsonValue(5e-5), a);
      set_member(v, "block_size", JsonValue(4), a);
    } else {
      set_member(v, "block_size", JsonValue(2), a);  // lr / steps stay best's
    }
  } else if (lever == "3b") {
    v.AddMember("enabled", true, a).AddMember("block_size", 4, a).AddMember("steps", 32, a);
  } else if (lever == "3c") {
    v.AddMember("align_elementwise_to", "Align to Large", a);
  } else if (lever == "3d") {
    v.AddMember("enabled", true, a).AddMember("iterations", 10, a).AddMember("value_threshold", 0.5, a);
    v.AddMember("opt_level", 2, a).AddMember("including_bias", false, a).AddMember("including_act", false, a);
  } else if (lever == "3e") {
    // op_name as the reference writes it; qtune's setting reader accepts op_name for op.
    JsonValue entry(rapidjson::kObjectType);
    entry.AddMember("op_name", "<FILL: top-1 error op_name from layerwise_error.json>", a);
    entry.AddMember("bits", 16, a);
    v.SetArray();
    v.PushBack(entry, a);
  } else if (lever == "3f") {
    JsonValue layers(rapidjson::kArrayType);
    layers.PushBack("<FILL: layer_stats.json op_name with weight kurtosis > 10>", a);
    v.AddMember("enabled", true, a).AddMember("value_threshold", 1.5, a).AddMember("method", "balance", a);
    v.AddMember("interested_layers", layers, a);
  } else if (lever == "3g") {
    v.AddMember("enabled", true, a).AddMember("lr", 0.001, a).AddMember("steps", 5000, a);
    v.AddMember("gamma", 1.0, a).AddMember("block_size", 4, a).AddMember("is_scale_trainable", false, a);
    v.AddMember("collecting_device", "cuda", a);
  } else {
    v.SetNull();
  }
  return v;
}

const char* lever_setting_key(const std::string& lever) {
  if (lever == "3a-1" || lever == "3a-2" || lever == "3a-3") return "tqt_optimization";
  if (lever == "3b") return "bias_correct";
  if (lever == "3c") return "fusion_alignment";
  if (lever == "3d") return "equalization";
  if (lever == "3e") return "dispatching_table";
  if (lever == "3f") return "weight_split";
  if (lever == "3g") return "blockwise_reconstruction";
  return nullptr;
}

}  // namespace

Document phase2_template(int next_id, const std::string& calib) {
  Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("iteration_id", next_id, a);
  d.AddMember("calib_algorithm", json_string(calib, a), a);
  d.AddMember("tqt_optimization", default_tqt(a), a);
  return d;
}

Document phase3_template(const std::string& lever, int next_id, const IterationRow* best) {
  Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("iteration_id", next_id, a);
  d.AddMember("rationale", StringRef(kRationaleFill), a);
  if (const char* key = lever_setting_key(lever)) d.AddMember(StringRef(key), lever_snippet_value(lever, best, a), a);
  return d;
}

std::string render_template(const rapidjson::Value& template_json) { return python_json_dumps(template_json); }

}  // namespace qtune::search
