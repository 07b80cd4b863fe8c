#pragma once
// Phase-2 calibration x default-TQT coverage (search_state_machine.md §2.7). A leg is
// covered structurally: calibration c with TQT at the default schedule (lr 1e-5, steps
// 500, block_size 4; missing keys read as the default) and no other pass. The metric is
// irrelevant, so a failed leg still covers its calibration.
#include <optional>
#include <string>
#include <vector>

#include "qtune/history.h"
#include "qtune/search/constants.h"
#include "qtune/search/json_util.h"

namespace qtune::search {

// The sweep calibration this setting covers, or nullopt when it is no Phase-2 leg.
std::optional<std::string> phase2_leg_calib(const JsonValue& setting, const SearchConstants& constants);
bool phase2_calib_covered(const History& rows, const std::string& calib, const SearchConstants& constants);
// Covered sweep calibrations, in sweep order.
std::vector<std::string> phase2_calibs_covered(const History& rows, const SearchConstants& constants);
// The first uncovered sweep calibration, nullopt when every leg is covered.
std::optional<std::string> first_uncovered_calib(const History& rows, const SearchConstants& constants);

}  // namespace qtune::search
