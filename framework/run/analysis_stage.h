#pragma once
// The analyse stage of an iteration: runs the analyser plugins on the quantized graph and
// writes their artifacts into the context's store (reference §4; the artifacts are listed
// in docs/artifacts.md). Which analysers: `names` (default: layerwise, graphwise,
// statistical and derived), each after the analysers it depends_on (added when not named).
// Their options are checked against each plugin's schema (an unknown key is an InputError
// naming the key and the analyser).
//
// A throwing analyser does not fail the iteration (its artifacts are only diagnostics):
// the failure is a warning naming the analyser, and dependents still run on whatever
// artifacts exist (derived treats a missing input as empty, as the reference harness
// does). With names_given, an analyser (or dependency) that is not installed is an
// InputError; with the default list it is a warning.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/plugin_host.h"
#include "qtune/analyser.h"

namespace qtune {

const std::vector<std::string>& default_analysers();

struct AnalysisRequest {
  std::vector<std::string> names = default_analysers();
  bool names_given = false;   // true: every name must be installed
  std::map<std::string, std::map<std::string, OptionValue>> options;   // analyser -> option -> value
};

struct AnalyserRun {
  std::string name;
  double seconds = 0;
  std::vector<std::string> files;   // artifacts it wrote, in order
  std::string error;                // empty when it succeeded
};

struct AnalysisSummary {
  std::vector<AnalyserRun> runs;                               // in run order
  std::vector<std::string> files;                              // every artifact written
  std::vector<std::pair<std::string, double>> top_error_layers;   // first 5 of layerwise_error.json
  std::int64_t non_computing_hot_ops_count = 0;
  std::int64_t graphwise_jumps_count = 0;
};

// The run order of `names` with their dependencies first (stable: named order otherwise).
// InputError on a dependency cycle or a missing analyser that must run.
std::vector<std::string> analyser_order(const PluginHost& plugins, const AnalysisRequest& request,
                                        std::vector<std::string>* missing_defaults = nullptr);

// Analysers see context.artifacts() through a view that reads only files written during
// this call: a failed analyser's stale file from an earlier run of the folder is not read.
AnalysisSummary run_analysers(const PluginHost& plugins, AnalysisContext& context, const AnalysisRequest& request = {});

}  // namespace qtune
