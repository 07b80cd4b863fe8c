#pragma once
// The R8 hindsight check (search_state_machine.md §15): on a finished history, did R8 on
// the best iteration before the first 3c (fusion alignment) try predict whether 3c helped?
#include <optional>
#include <string>

#include "qtune/history.h"
#include "qtune/search/constants.h"

namespace qtune::search {

struct HindsightRecord {
  bool ok = false;
  std::string skip_reason;      // when !ok: "3c never tried", "no prior best", ...
  int prior_best_iter = -1;
  int fusion_iter = -1;         // the first iteration with a non-empty fusion_alignment
  bool helped = false;          // strictly better than the prior best
  bool r8_fires = false;        // R8 on the prior best's non_computing_hot_ops.json
  bool agree = false;           // r8_fires == helped
  std::string r8_reason;
};

HindsightRecord r8_hindsight(const History& rows, const SearchConstants& constants = {});

}  // namespace qtune::search
