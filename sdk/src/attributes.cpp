#include "qtune/attributes.h"

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

namespace {
const char* kind_of(const AttrValue& v) {
  static const char* names[] = {"int", "float", "string", "ints", "floats", "strings", "tensor"};
  return names[v.index()];
}

template <class T>
const T& typed(const AttrValue& v, const std::string& name, const char* wanted) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw Error(fmt::format("attribute '{}' is of type {}, expected {}", name, kind_of(v), wanted));
}
}  // namespace

const AttrValue& Attributes::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error(fmt::format("required attribute '{}' is missing", name));
  return it->second;
}

std::int64_t Attributes::get_int(const std::string& name) const { return typed<std::int64_t>(at(name), name, "int"); }
std::int64_t Attributes::get_int(const std::string& name, std::int64_t fallback) const {
  return has(name) ? get_int(name) : fallback;
}
float Attributes::get_float(const std::string& name) const {
  const AttrValue& v = at(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<float>(*i);
  return typed<float>(v, name, "float");
}
float Attributes::get_float(const std::string& name, float fallback) const {
  return has(name) ? get_float(name) : fallback;
}
std::string Attributes::get_string(const std::string& name) const {
  return typed<std::string>(at(name), name, "string");
}
std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? get_string(name) : fallback;
}
std::vector<std::int64_t> Attributes::get_ints(const std::string& name) const {
  return typed<std::vector<std::int64_t>>(at(name), name, "ints");
}
std::vector<std::int64_t> Attributes::get_ints(const std::string& name, std::vector<std::int64_t> fallback) const {
  return has(name) ? get_ints(name) : fallback;
}
std::vector<float> Attributes::get_floats(const std::string& name) const {
  return typed<std::vector<float>>(at(name), name, "floats");
}
std::vector<float> Attributes::get_floats(const std::string& name, std::vector<float> fallback) const {
  return has(name) ? get_floats(name) : fallback;
}
const Tensor& Attributes::get_tensor(const std::string& name) const { return typed<Tensor>(at(name), name, "tensor"); }

}  // namespace qtune
