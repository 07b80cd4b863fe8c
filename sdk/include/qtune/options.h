#pragma once
// Option schemas and values. A plugin declares its options once (name, type, default,
// range, doc); the framework validates setting.json blocks against it, prints it in
// `qtune plugins --describe`, and hands the plugin a checked OptionValues.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/config.hpp>

namespace qtune {

enum class OptionType : std::uint8_t { Bool, Int, Float, String, Enum, StringList, FloatList, StringMap };
const char* option_type_name(OptionType t);

using OptionValue = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                                 std::vector<std::string>, std::vector<double>,
                                 std::map<std::string, std::string>>;

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::String;
  OptionValue default_value;             // monostate = no default (then `required` or optional)
  std::optional<double> min;             // inclusive range for Int / Float
  std::optional<double> max;
  std::vector<std::string> choices;      // allowed strings for Enum
  std::string doc;
  bool required = false;
};

using OptionSchema = std::vector<OptionSpec>;

// One entry of a plugin's schema, for the brace lists plugins declare:
// make_option("steps", OptionType::Int, std::int64_t{500}, "Adam steps per block", 1.0)
// (min / max: the inclusive range of an Int or Float).
inline OptionSpec make_option(std::string name, OptionType type, OptionValue fallback, std::string doc,
                              std::optional<double> min = {}, std::optional<double> max = {}) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(fallback);
  s.doc = std::move(doc);
  s.min = min;
  s.max = max;
  return s;
}

// An Enum entry: one of `choices`, `fallback` the default.
inline OptionSpec make_choice(std::string name, std::string fallback, std::vector<std::string> choices, std::string doc) {
  OptionSpec s = make_option(std::move(name), OptionType::Enum, std::move(fallback), std::move(doc));
  s.choices = std::move(choices);
  return s;
}

// Checked values of one plugin's options. Getters throw qtune::Error naming the option
// when it is missing or of another type; numeric getters accept Int for Float.
class BOOST_SYMBOL_VISIBLE OptionValues {
 public:
  void set(const std::string& name, OptionValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  const std::vector<std::string>& get_strings(const std::string& name) const;
  const std::vector<double>& get_floats(const std::string& name) const;
  const std::map<std::string, std::string>& get_map(const std::string& name) const;
  const std::map<std::string, OptionValue>& all() const { return values_; }

 private:
  const OptionValue& at(const std::string& name) const;
  std::map<std::string, OptionValue> values_;
};

// Fills defaults from `schema` and checks `given` against it: unknown names, wrong
// types, out-of-range numbers and unknown enum choices are qtune::InputError naming
// `owner` (e.g. "pass 'equalization'") and the option.
OptionValues resolve_options(const OptionSchema& schema, const std::map<std::string, OptionValue>& given,
                             const std::string& owner);

}  // namespace qtune
