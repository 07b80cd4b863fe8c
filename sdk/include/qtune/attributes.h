#pragma once
// ONNX-style op attributes: a name -> value map with typed, checked accessors.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "qtune/tensor.h"

namespace qtune {

using AttrValue = std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

class BOOST_SYMBOL_VISIBLE Attributes {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  // Typed getters. The fallback form returns `fallback` when absent; the other throws.
  // A present attribute of the wrong type always throws (message names the attribute).
  std::int64_t get_int(const std::string& name) const;
  std::int64_t get_int(const std::string& name, std::int64_t fallback) const;
  float get_float(const std::string& name) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<std::int64_t> get_ints(const std::string& name) const;
  std::vector<std::int64_t> get_ints(const std::string& name, std::vector<std::int64_t> fallback) const;
  std::vector<float> get_floats(const std::string& name) const;
  std::vector<float> get_floats(const std::string& name, std::vector<float> fallback) const;
  const Tensor& get_tensor(const std::string& name) const;

  bool operator==(const Attributes&) const = delete;

 private:
  const AttrValue& at(const std::string& name) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace qtune
