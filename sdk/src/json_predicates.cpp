// Python's truthiness and number predicates on JSON values (the reference is Python; its
// rules depend on them, e.g. `true` counts as 1 for a target check but is never ranked).
#include <cmath>

#include "qtune/history.h"

namespace qtune {

bool json_truthy(const rapidjson::Value* value) {
  if (value == nullptr || value->IsNull()) return false;
  if (value->IsBool()) return value->GetBool();
  if (value->IsNumber()) return value->GetDouble() != 0.0;  // NaN is truthy, as in Python
  if (value->IsString()) return value->GetStringLength() > 0;
  if (value->IsArray()) return !value->Empty();
  return value->MemberCount() > 0;
}

bool json_numeric(const rapidjson::Value* value) {
  return value != nullptr && (value->IsNumber() || value->IsBool());
}

bool json_finite(const rapidjson::Value* value) {
  return value != nullptr && value->IsNumber() && std::isfinite(value->GetDouble());
}

double json_number(const rapidjson::Value& value) {
  if (value.IsBool()) return value.GetBool() ? 1.0 : 0.0;
  if (value.IsNumber()) return value.GetDouble();
  return std::nan("");
}

const rapidjson::Value* json_member(const rapidjson::Value* object, const char* key) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const auto it = object->FindMember(key);
  return it == object->MemberEnd() ? nullptr : &it->value;
}

bool json_equals_number(const rapidjson::Value* value, double number) {
  return json_numeric(value) && json_number(*value) == number;
}

}  // namespace qtune
