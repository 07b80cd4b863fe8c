#pragma once
// outputs/best/: the deployable result of a run (reference §12) — the best iteration's
// setting.json, metrics.json, iteration_index.json (copies, written atomically) and its
// model.espdl (a relative symlink, a copy where links are not possible) with model.info
// and model.json (copies). Files of an earlier best that the new best lacks are removed,
// so best/ never mixes two iterations.
#include <filesystem>
#include <string>
#include <vector>

#include "qtune/history.h"

namespace qtune::report {

inline constexpr const char* kBestDir = "best";

struct BestDirResult {
  bool written = false;                              // false: no finite-metric iteration
  std::vector<std::filesystem::path> copied_json;    // the JSON files copied, in order
  std::vector<std::string> removed;                  // stale entries of an earlier best
  std::string action() const { return written ? "written" : "skipped (no finite-metric iteration)"; }
};

// Mirrors `best` into outputs/best/. `best` null -> nothing is touched.
BestDirResult write_best_dir(const std::filesystem::path& outputs_dir, const IterationRow* best);

}  // namespace qtune::report
