#pragma once
// The conditional routes of Phase 3 (search_state_machine.md §4, §5 step 11): 3a-3 path 1
// (an unstable TQT escalation), path 2 (gap-shrink advisory) and the pivot label.
#include "qtune/history.h"
#include "qtune/search/constants.h"

namespace qtune::search {

// §4 path 1: the latest row is a TQT escalation that regressed by less than
// path1_rel_tol relative to best and brought a new op into the top-5 error layers.
bool path1_fires(const History& rows, const IterationRow* best, const SearchConstants& constants);
// §4 path 2: 3a-1 and 3a-2 TRIED (not "improved", §17.4) and none of 3a-3/3b/3c/3d tried.
bool path2_eligible(const History& rows, const IterationRow* best);
// §5 step 11: both of the last two rows have numeric values strictly worse than best's.
bool pivot_due(const History& rows, const IterationRow* best);

}  // namespace qtune::search
