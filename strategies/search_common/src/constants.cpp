#include "qtune/search/constants.h"

#include <cmath>
#include <utility>

namespace qtune::search {
namespace {

// Option name <-> the reference's module constant.
const std::vector<std::pair<std::string, std::string>>& name_pairs() {
  static const std::vector<std::pair<std::string, std::string>> pairs = {
      {"phase3_cap", "_PHASE3_CAP"},
      {"plateau_window", "_PLATEAU_WINDOW"},
      {"plateau_rel_tol", "_PLATEAU_REL_TOL"},
      {"r8_max_snr_primary", "_R8_MAX_SNR_PRIMARY"},
      {"r8_max_snr_upper", "_R8_MAX_SNR_UPPER"},
      {"r8_std_ratio_reinforce", "_R8_STD_RATIO_REINFORCE"},
      {"r8_activation_veto_ratio", "_R8_ACTIVATION_VETO_RATIO"},
      {"path1_rel_tol", "_PATH1_REL_TOL"},
  };
  return pairs;
}

}  // namespace

std::optional<std::string> constant_option_name(const std::string& name) {
  for (const auto& [option, reference] : name_pairs())
    if (name == option || name == reference) return option;
  return std::nullopt;
}

const std::vector<std::string>& constant_option_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& pair : name_pairs()) out.push_back(pair.first);
    return out;
  }();
  return names;
}

bool SearchConstants::set(const std::string& name, double value) {
  const auto option = constant_option_name(name);
  if (!option) return false;
  if (*option == "phase3_cap") phase3_cap = static_cast<int>(std::lround(value));
  else if (*option == "plateau_window") plateau_window = static_cast<int>(std::lround(value));
  else if (*option == "plateau_rel_tol") plateau_rel_tol = value;
  else if (*option == "r8_max_snr_primary") r8_max_snr_primary = value;
  else if (*option == "r8_max_snr_upper") r8_max_snr_upper = value;
  else if (*option == "r8_std_ratio_reinforce") r8_std_ratio_reinforce = value;
  else if (*option == "r8_activation_veto_ratio") r8_activation_veto_ratio = value;
  else if (*option == "path1_rel_tol") path1_rel_tol = value;
  return true;
}

}  // namespace qtune::search
