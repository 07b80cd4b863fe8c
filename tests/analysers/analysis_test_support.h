#pragma once
// What the analyser tests share: the built plugins (loaded once, before any TBB work), a
// fresh folder per test, running the analysers on a graph, and reading an artifact back.
#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "artifacts/atomic_file.h"
#include "artifacts/directory_artifact_store.h"
#include "host/plugin_host.h"
#include "qtune/log.h"
#include "qtune_analysis/artifact_json.h"
#include "run/analysis_context.h"
#include "run/analysis_stage.h"

namespace qtune::test {

namespace fs = std::filesystem;

inline const PluginHost& built_plugins() {
  static const PluginHost host = [] {
    PluginHost h;
    h.load_directories({fs::path(QTUNE_PLUGIN_BUILD_DIR)});
    return h;
  }();
  return host;
}

inline fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline rapidjson::Document read_artifact(const fs::path& dir, const std::string& name) {
  return analysis::parse_artifact(read_file(dir / name), (dir / name).string());
}

// A Log that keeps every line (tests look for warnings).
class CapturingLog final : public Log {
 public:
  void info(std::string_view m) override { text += std::string(m) + "\n"; }
  void warn(std::string_view m) override {
    warnings.emplace_back(m);
    text += "warning: " + std::string(m) + "\n";
  }
  void progress(std::string_view, long, long) override {}
  std::string text;
  std::vector<std::string> warnings;
};

struct AnalysisRun {
  fs::path dir;
  AnalysisSummary summary;
  CapturingLog log;
};

// Runs `request`'s analysers on (graph, float_graph) over `batches`, artifacts into `dir`.
inline void run_into(AnalysisRun& run, const Graph& graph, const Graph& float_graph, std::vector<Batch> batches,
                     const AnalysisRequest& request = {}, ContractConfig config = {}) {
  DirectoryArtifactStore store(run.dir);
  IterationAnalysisContext context(graph, float_graph, config, std::move(batches), store, run.log);
  run.summary = run_analysers(built_plugins(), context, request);
}

}  // namespace qtune::test
