#pragma once
// R8, the trigger of lever 3c (fusion alignment), from the best iteration's
// non_computing_hot_ops.json (search_state_machine.md §3). 3c is skipped, and counts as
// covered, whenever R8 does not fire on the CURRENT best.
#include <string>

#include "qtune/history.h"
#include "qtune/search/constants.h"
#include "qtune/search/json_util.h"

namespace qtune::search {

struct R8Result {
  bool fires = false;
  std::string reason;
};

// `hot_ops`: the list of non_computing_hot_ops.json (a non-list reads as empty).
R8Result r8_fires(const JsonValue& hot_ops, const SearchConstants& constants);
// Reads <best.dir>/non_computing_hot_ops.json; a missing, unreadable, non-list or empty
// file (or no best) does not fire.
R8Result r8_check_for_best(const IterationRow* best, const SearchConstants& constants);

// A JSON artifact of an iteration folder (NaN tokens accepted); a null document when the
// file is missing or is not valid JSON.
rapidjson::Document read_iteration_artifact(const IterationRow& row, const char* file_name);

}  // namespace qtune::search
