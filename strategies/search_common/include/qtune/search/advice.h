#pragma once
// Advice texts of phases 1-4 (search_state_machine.md §5). Wording is ours; the quoted
// tokens (`iter_0`, `--baseline`, `3a-3 PATH 1 triggered`, `3a-3 PATH 2 also eligible`,
// `target_metric reached`, `plateau`, `AdaroundPass after TrainedQuantizationThresholdPass`,
// the template JSON) are what agents and the conformance scenarios look for.
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "qtune/history.h"
#include "qtune/search/constants.h"

namespace qtune::search {

std::string phase1_advice();
std::string phase2_advice(const std::string& calib, const std::vector<std::string>& remaining_legs,
                          const rapidjson::Value& template_json);

struct Phase3Notes {
  std::optional<int> path1_latest_id;  // route path1: the latest iteration's id
  bool path2_note = false;             // route path2_note
  std::string r8_reason;               // lever 3c: why R8 fired
};
std::string phase3_advice(const std::string& lever, const IterationRow* best, int next_id,
                          const rapidjson::Value& template_json, const Phase3Notes& notes);

// `reason`: "target_metric reached" or the plateau sentence.
std::string phase4_advice(const std::string& reason, const IterationRow* best, std::optional<double> target);
std::string plateau_reason(const SearchConstants& constants);

}  // namespace qtune::search
