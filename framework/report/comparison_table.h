#pragma once
// The human table `qtune compare` prints (reference §13): one line per iteration with its
// dense rank, value, delta vs the baseline, speed cost, time and rationale; the best so
// far; the suggested next step; and how to finalize at any time.
#include <string>

#include "qtune/history.h"

namespace qtune::report {

struct TableInputs {
  const History* rows = nullptr;
  const IterationRow* best = nullptr;
  std::string phase;
  std::string advice;
  std::string early_finalize_command;
};

std::string comparison_table(const TableInputs& inputs);

}  // namespace qtune::report
