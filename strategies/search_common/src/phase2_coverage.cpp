#include "qtune/search/phase2_coverage.h"

#include <algorithm>

namespace qtune::search {
namespace {

// §2.7: the default TQT schedule a Phase-2 leg runs (missing keys read as these).
constexpr double kLegLr = 1e-5;
constexpr double kLegSteps = 500;
constexpr double kLegBlockSize = 4;
// Passes a Phase-2 leg must leave off.
constexpr const char* kOffPasses[] = {"equalization", "bias_correct", "weight_split", "lsq_optimization",
                                      "blockwise_reconstruction"};

}  // namespace

std::optional<std::string> phase2_leg_calib(const JsonValue& setting, const SearchConstants& constants) {
  if (!json_truthy(&setting)) return std::nullopt;
  const std::string calib = calib_lower(setting);
  if (std::find(constants.sweep_order.begin(), constants.sweep_order.end(), calib) == constants.sweep_order.end())
    return std::nullopt;
  // Only lr / steps / block_size are checked, not is_scale_trainable / gamma / int_lambda
  // (the docs call the fingerprint stricter; the code is what we follow, §17.1).
  const JsonValue* t = object_block(setting, "tqt_optimization");
  if (t == nullptr || !json_truthy(json_member(t, "enabled"))) return std::nullopt;
  if (!number_or_default_is(t, "lr", kLegLr, kLegLr) || !number_or_default_is(t, "steps", kLegSteps, kLegSteps) ||
      !number_or_default_is(t, "block_size", kLegBlockSize, kLegBlockSize))
    return std::nullopt;
  for (const char* pass : kOffPasses)
    if (block_enabled(setting, pass)) return std::nullopt;
  if (json_truthy(json_member(&setting, "dispatching_table")) || json_truthy(json_member(&setting, "fusion_alignment")))
    return std::nullopt;
  return calib;
}

bool phase2_calib_covered(const History& rows, const std::string& calib, const SearchConstants& constants) {
  for (const IterationRow& row : rows)
    if (phase2_leg_calib(row.setting(), constants) == calib) return true;
  return false;
}

std::vector<std::string> phase2_calibs_covered(const History& rows, const SearchConstants& constants) {
  std::vector<std::string> covered;
  for (const std::string& calib : constants.sweep_order)
    if (phase2_calib_covered(rows, calib, constants)) covered.push_back(calib);
  return covered;
}

std::optional<std::string> first_uncovered_calib(const History& rows, const SearchConstants& constants) {
  for (const std::string& calib : constants.sweep_order)
    if (!phase2_calib_covered(rows, calib, constants)) return calib;
  return std::nullopt;
}

}  // namespace qtune::search
