#include "qtune/options.h"

#include <cmath>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

const char* option_type_name(OptionType t) {
  switch (t) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Float: return "float";
    case OptionType::String: return "string";
    case OptionType::Enum: return "enum";
    case OptionType::StringList: return "string list";
    case OptionType::FloatList: return "float list";
    case OptionType::StringMap: return "string map";
  }
  return "?";
}

bool OptionValues::has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

const OptionValue& OptionValues::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || std::holds_alternative<std::monostate>(it->second))
    throw Error(fmt::format("option '{}' has no value", name));
  return it->second;
}

namespace {
template <class T>
const T& get_as(const OptionValue& v, const std::string& name, const char* wanted) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw Error(fmt::format("option '{}' is not a {}", name, wanted));
}
}  // namespace

bool OptionValues::get_bool(const std::string& name) const { return get_as<bool>(at(name), name, "bool"); }
std::int64_t OptionValues::get_int(const std::string& name) const { return get_as<std::int64_t>(at(name), name, "int"); }
double OptionValues::get_float(const std::string& name) const {
  const OptionValue& v = at(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return get_as<double>(v, name, "float");
}
const std::string& OptionValues::get_string(const std::string& name) const {
  return get_as<std::string>(at(name), name, "string");
}
const std::vector<std::string>& OptionValues::get_strings(const std::string& name) const {
  return get_as<std::vector<std::string>>(at(name), name, "string list");
}
const std::vector<double>& OptionValues::get_floats(const std::string& name) const {
  return get_as<std::vector<double>>(at(name), name, "float list");
}
const std::map<std::string, std::string>& OptionValues::get_map(const std::string& name) const {
  return get_as<std::map<std::string, std::string>>(at(name), name, "string map");
}

namespace {
// Checks one given value against its spec; returns it normalised (Int widened to Float).
OptionValue check_value(const OptionSpec& spec, const OptionValue& v, const std::string& owner) {
  auto fail = [&](const std::string& what) {
    return InputError(fmt::format("{}: option '{}' {}", owner, spec.name, what));
  };
  auto check_range = [&](double x) {
    if ((spec.min && x < *spec.min) || (spec.max && x > *spec.max))
      throw fail(fmt::format("= {} is outside [{}, {}]", x, spec.min ? fmt::format("{}", *spec.min) : "-inf",
                             spec.max ? fmt::format("{}", *spec.max) : "inf"));
  };
  switch (spec.type) {
    case OptionType::Bool:
      if (!std::holds_alternative<bool>(v)) throw fail("must be true or false");
      return v;
    case OptionType::Int:
      if (const auto* i = std::get_if<std::int64_t>(&v)) {
        check_range(static_cast<double>(*i));
        return v;
      }
      throw fail("must be an integer");
    case OptionType::Float: {
      double x;
      if (const auto* i = std::get_if<std::int64_t>(&v)) x = static_cast<double>(*i);
      else if (const auto* d = std::get_if<double>(&v)) x = *d;
      else throw fail("must be a number");
      if (!std::isfinite(x)) throw fail("must be finite");
      check_range(x);
      return OptionValue{x};
    }
    case OptionType::String:
      if (!std::holds_alternative<std::string>(v)) throw fail("must be a string");
      return v;
    case OptionType::Enum: {
      const auto* s = std::get_if<std::string>(&v);
      if (!s) throw fail("must be a string");
      for (const auto& c : spec.choices)
        if (c == *s) return v;
      std::string list;
      for (const auto& c : spec.choices) list += (list.empty() ? "'" : ", '") + c + "'";
      throw fail(fmt::format("= '{}' is not one of {}", *s, list));
    }
    case OptionType::StringList:
      if (!std::holds_alternative<std::vector<std::string>>(v)) throw fail("must be a list of strings");
      return v;
    case OptionType::FloatList:
      if (!std::holds_alternative<std::vector<double>>(v)) throw fail("must be a list of numbers");
      return v;
    case OptionType::StringMap:
      if (!std::holds_alternative<std::map<std::string, std::string>>(v)) throw fail("must be an object of strings");
      return v;
  }
  return v;
}
}  // namespace

OptionValues resolve_options(const OptionSchema& schema, const std::map<std::string, OptionValue>& given,
                             const std::string& owner) {
  for (const auto& [name, _] : given) {
    bool known = false;
    for (const auto& spec : schema) known = known || spec.name == name;
    if (!known) {
      std::string list;
      for (const auto& spec : schema) list += (list.empty() ? "" : ", ") + spec.name;
      throw InputError(fmt::format("{}: unknown option '{}' (known: {})", owner, name, list.empty() ? "none" : list));
    }
  }
  OptionValues out;
  for (const auto& spec : schema) {
    auto it = given.find(spec.name);
    if (it != given.end() && !std::holds_alternative<std::monostate>(it->second)) {
      out.set(spec.name, check_value(spec, it->second, owner));
    } else if (spec.required) {
      throw InputError(fmt::format("{}: option '{}' is required ({})", owner, spec.name, spec.doc));
    } else {
      out.set(spec.name, spec.default_value);
    }
  }
  return out;
}

}  // namespace qtune
