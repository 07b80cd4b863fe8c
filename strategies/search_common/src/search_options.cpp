#include "qtune/search/search_options.h"

namespace qtune::search {
namespace {

OptionSpec spec(std::string name, OptionType type, OptionValue fallback, double min, std::string doc) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(fallback);
  s.min = min;
  s.doc = std::move(doc);
  return s;
}

}  // namespace

OptionSchema search_option_schema() {
  const SearchConstants d;
  using T = OptionType;
  return {
      spec("phase3_cap", T::Int, std::int64_t{d.phase3_cap}, 1,
           "Phase-3 budget: iterations with id >= 4 before the search moves to Phase 5 (reference _PHASE3_CAP)"),
      spec("plateau_window", T::Int, std::int64_t{d.plateau_window}, 1,
           "plateau: this many latest iterations within plateau_rel_tol of best (reference _PLATEAU_WINDOW)"),
      spec("plateau_rel_tol", T::Float, d.plateau_rel_tol, 0,
           "plateau: relative shortfall from best that still counts as flat (reference _PLATEAU_REL_TOL)"),
      spec("r8_max_snr_primary", T::Float, d.r8_max_snr_primary, 0,
           "R8 (lever 3c): lower bound, exclusive, of the elementwise max_snr band"),
      spec("r8_max_snr_upper", T::Float, d.r8_max_snr_upper, 0,
           "R8 (lever 3c): upper bound, inclusive, of the elementwise max_snr band"),
      spec("r8_std_ratio_reinforce", T::Float, d.r8_std_ratio_reinforce, 0,
           "R8 (lever 3c): an inputs_float_std_ratio above this fires R8 outside the band"),
      spec("r8_activation_veto_ratio", T::Float, d.r8_activation_veto_ratio, 0,
           "R8 (lever 3c): an activation in the top-3 hot ops this many times worse than the candidate vetoes"),
      spec("path1_rel_tol", T::Float, d.path1_rel_tol, 0,
           "3a-3 path 1: a TQT escalation regressing by less than this (relative) with a new top-5 layer"),
  };
}

SearchConstants constants_from_options(const OptionValues& options) {
  SearchConstants constants;
  for (const std::string& name : constant_option_names()) {
    if (!options.has(name)) continue;
    const OptionValue& value = options.all().at(name);
    if (const auto* i = std::get_if<std::int64_t>(&value)) constants.set(name, static_cast<double>(*i));
    else if (const auto* f = std::get_if<double>(&value)) constants.set(name, *f);
  }
  return constants;
}

}  // namespace qtune::search
