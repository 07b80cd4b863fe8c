#pragma once
// SearchConstants: every number and order the reference state machine decides with
// (search_state_machine.md §2.5-§5), with the reference's defaults. A run may override
// the numeric ones by name: the option names (phase3_cap, plateau_window, ...) or the
// reference's module constants (_PHASE3_CAP, _PLATEAU_WINDOW, ...), which the
// conformance scenarios use in `constant_overrides`.
#include <optional>
#include <string>
#include <vector>

namespace qtune::search {

struct SearchConstants {
  int phase3_cap = 5;                     // §5 step 3: iterations with id >= 4 before Phase 5
  int plateau_window = 3;                 // §2.5: last N rows within tolerance of best
  double plateau_rel_tol = 0.001;         // §2.5: 0.1 % relative shortfall
  double r8_max_snr_primary = 0.20;       // §3: lower bound of the R8 band (exclusive)
  double r8_max_snr_upper = 0.30;         // §3: upper bound of the R8 band (inclusive)
  double r8_std_ratio_reinforce = 5.0;    // §3: std ratio that fires R8 outside the band
  double r8_activation_veto_ratio = 1.2;  // §3: activation in top-3 this much worse vetoes
  double path1_rel_tol = 0.005;           // §4: 3a-3 path 1 fires below this regression
  // §2.7: Phase-2 calibration legs, in the order they are run.
  std::vector<std::string> sweep_order = {"kl", "mse", "percentile"};
  // §2.9: the linear Phase-3 lever order per deploy_runtime_priority (3a-3 is never in it).
  std::vector<std::string> order_balanced = {"3a-1", "3a-2", "3b", "3c", "3d", "3e", "3f", "3g"};
  std::vector<std::string> order_speed = {"3a-1", "3a-2", "3b", "3c", "3d", "3g", "3e", "3f"};

  // Sets a numeric constant by option or reference name; false when the name is unknown.
  bool set(const std::string& name, double value);
};

// The option name of a numeric constant given either spelling ("_PHASE3_CAP" or
// "phase3_cap"); nullopt when it names no constant.
std::optional<std::string> constant_option_name(const std::string& name);
// The option names of every numeric constant, in declaration order.
const std::vector<std::string>& constant_option_names();

}  // namespace qtune::search
