#include "qtune/search/search_options.h"

namespace qtune::search {

OptionSchema search_option_schema() {
  const SearchConstants d;
  using T = OptionType;
  return {
      make_option("phase3_cap", T::Int, std::int64_t{d.phase3_cap},
                  "Phase-3 budget: iterations with id >= 4 before the search moves to Phase 5 (reference _PHASE3_CAP)", 1),
      make_option("plateau_window", T::Int, std::int64_t{d.plateau_window},
                  "plateau: this many latest iterations within plateau_rel_tol of best (reference _PLATEAU_WINDOW)", 1),
      make_option("plateau_rel_tol", T::Float, d.plateau_rel_tol,
                  "plateau: relative shortfall from best that still counts as flat (reference _PLATEAU_REL_TOL)", 0),
      make_option("r8_max_snr_primary", T::Float, d.r8_max_snr_primary,
                  "R8 (lever 3c): lower bound, exclusive, of the elementwise max_snr band", 0),
      make_option("r8_max_snr_upper", T::Float, d.r8_max_snr_upper,
                  "R8 (lever 3c): upper bound, inclusive, of the elementwise max_snr band", 0),
      make_option("r8_std_ratio_reinforce", T::Float, d.r8_std_ratio_reinforce,
                  "R8 (lever 3c): an inputs_float_std_ratio above this fires R8 outside the band", 0),
      make_option("r8_activation_veto_ratio", T::Float, d.r8_activation_veto_ratio,
                  "R8 (lever 3c): an activation in the top-3 hot ops this many times worse than the candidate vetoes", 0),
      make_option("path1_rel_tol", T::Float, d.path1_rel_tol,
                  "3a-3 path 1: a TQT escalation regressing by less than this (relative) with a new top-5 layer", 0),
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
