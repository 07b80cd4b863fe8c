#pragma once
// The removable components of a setting, for ablation: each enabled pass block, each
// int16 promotion of the dispatching table, each layer of a multi-layer weight split.
#include <string>
#include <vector>

#include "qtune/search/setting_edit.h"

namespace qtune::ablation {

struct Component {
  std::string name;          // "tqt_optimization", "int16:/conv3/Conv", "weight_split:/fc/Gemm"
  bool costs_speed = false;  // int16 and weight split cost on-device speed
};

std::vector<Component> components_of(const rapidjson::Value& setting);
// A copy of `setting` (iteration_id / rationale dropped) without `component`.
std::shared_ptr<search::Document> without(const rapidjson::Value& setting, const Component& component);
// Without every one of `components` (applied in order).
std::shared_ptr<search::Document> without_all(const rapidjson::Value& setting, const std::vector<Component>& components);

}  // namespace qtune::ablation
