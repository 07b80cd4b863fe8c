#pragma once
// When an analyser reports progress: about four lines per loop, and the last one.
#include <cstddef>

namespace qtune::analysis {

inline bool progress_due(std::size_t done, std::size_t total) {
  const std::size_t step = total >= 4 ? total / 4 : 1;
  return done == total || done % step == 0;
}

}  // namespace qtune::analysis
