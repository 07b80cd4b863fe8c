#include "host/contract_config_json.h"

#include <rapidjson/document.h>

#include "artifacts/json.h"

namespace qtune {

std::string contract_config_to_json(const ContractConfig& config) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto str = [&](const std::string& s) { return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a); };

  doc.AddMember("model", str(config.model.string()), a);
  doc.AddMember("model_name", str(config.model_name), a);
  rapidjson::Value shapes(rapidjson::kArrayType);
  for (const Shape& shape : config.input_shapes) {
    rapidjson::Value dims(rapidjson::kArrayType);
    for (std::int64_t d : shape) dims.PushBack(d, a);
    shapes.PushBack(dims, a);
  }
  doc.AddMember("input_shape", shapes, a);
  doc.AddMember("batch_size", config.batch_size, a);
  doc.AddMember("target", str(config.target), a);
  doc.AddMember("num_of_bits", config.num_of_bits, a);
  doc.AddMember("calib_steps", config.calib_steps, a);
  doc.AddMember("primary_metric", str(config.primary_metric), a);
  doc.AddMember("metric_direction", str(config.metric_direction), a);
  rapidjson::Value target_metric;
  if (config.target_metric) target_metric.SetDouble(*config.target_metric);
  doc.AddMember("target_metric", target_metric, a);
  doc.AddMember("analyse_steps", config.analyse_steps, a);
  doc.AddMember("top_k_layers", config.top_k_layers, a);
  doc.AddMember("non_computing_top_k", config.non_computing_top_k, a);
  doc.AddMember("graphwise_intervening_excess_threshold", config.graphwise_intervening_excess_threshold, a);
  doc.AddMember("deploy_runtime_priority", str(config.deploy_runtime_priority), a);
  return json_pretty(doc);
}

}  // namespace qtune
