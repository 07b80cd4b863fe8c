#include "run/analysis_stage.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include "qtune/error.h"

namespace qtune {
namespace {

// The store an analyser sees: writes go to the context's store and are remembered (per
// analyser, for the record); reads see only files written during this analysis.
class AnalysisStoreView final : public ArtifactStore {
 public:
  explicit AnalysisStoreView(ArtifactStore& inner) : inner_(inner) {}
  std::filesystem::path directory() const override { return inner_.directory(); }
  void write_text(const std::string& name, std::string_view content) override {
    inner_.write_text(name, content);
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::find(all_.begin(), all_.end(), name) == all_.end()) all_.push_back(name);
    if (std::find(current_.begin(), current_.end(), name) == current_.end()) current_.push_back(name);
  }
  std::optional<std::string> read_text(const std::string& name) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (std::find(all_.begin(), all_.end(), name) == all_.end()) return std::nullopt;
    }
    return inner_.read_text(name);
  }
  // Files written since the last call.
  std::vector<std::string> take_current() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(current_, {});
  }
  const std::vector<std::string>& all() const { return all_; }

 private:
  ArtifactStore& inner_;
  mutable std::mutex mutex_;
  std::vector<std::string> all_, current_;
};

// The caller's context with the store view in place of its store.
class ViewContext final : public AnalysisContext {
 public:
  ViewContext(AnalysisContext& inner, ArtifactStore& store) : inner_(inner), store_(store) {}
  const Graph& graph() const override { return inner_.graph(); }
  const ContractConfig& config() const override { return inner_.config(); }
  const std::vector<Batch>& analysis_batches() override { return inner_.analysis_batches(); }
  const Graph& float_graph() const override { return inner_.float_graph(); }
  std::unique_ptr<Executor> make_executor(const Graph& graph) const override { return inner_.make_executor(graph); }
  ArtifactStore& artifacts() override { return store_; }
  Log& log() override { return inner_.log(); }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    inner_.parallel_for(n, body);
  }

 private:
  AnalysisContext& inner_;
  ArtifactStore& store_;
};

std::unique_ptr<Analyser> create_analyser(const PluginHost& plugins, const std::string& name) {
  std::unique_ptr<Plugin> p = plugins.create("analyser", name);
  // Kind "analyser" guarantees the class derives Analyser (plugin.h); no dynamic_cast across libraries.
  return std::unique_ptr<Analyser>(static_cast<Analyser*>(p.release()));
}

std::optional<rapidjson::Document> read_json(const ArtifactStore& store, const char* name) {
  const std::optional<std::string> text = store.read_text(name);
  if (!text) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNanAndInfFlag>(text->c_str(), text->size());
  if (doc.HasParseError()) return std::nullopt;
  return doc;
}

}  // namespace

const std::vector<std::string>& default_analysers() {
  static const std::vector<std::string> names = {"layerwise", "graphwise", "statistical", "derived"};
  return names;
}

std::vector<std::string> analyser_order(const PluginHost& plugins, const AnalysisRequest& request,
                                        std::vector<std::string>* missing_defaults) {
  std::vector<std::string> order;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&, const std::string&)> visit = [&](const std::string& name,
                                                                           const std::string& needed_by) {
    if (done.count(name)) return;
    if (visiting.count(name))
      throw InputError(fmt::format("analyser '{}' depends on itself through '{}'", name, needed_by));
    if (!plugins.find("analyser", name)) {
      if (!request.names_given) {
        if (missing_defaults) missing_defaults->push_back(name);
        done.insert(name);
        return;
      }
      std::vector<std::string> known, searched;
      for (const LoadedPlugin* p : plugins.of_kind("analyser")) known.push_back(p->name);
      for (const auto& dir : plugins.searched_directories()) searched.push_back(dir.string());
      throw InputError(fmt::format("analyser '{}'{} is not installed (installed analysers: {}; plugin folders "
                                   "searched: {})",
                                   name, needed_by.empty() ? "" : fmt::format(" (needed by '{}')", needed_by),
                                   known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")),
                                   searched.empty() ? "none" : fmt::format("{}", fmt::join(searched, ", "))));
    }
    visiting.insert(name);
    for (const std::string& dep : create_analyser(plugins, name)->depends_on()) visit(dep, name);
    visiting.erase(name);
    done.insert(name);
    order.push_back(name);
  };
  for (const std::string& name : request.names) visit(name, "");
  for (const auto& [name, opts] : request.options)
    if (std::find(order.begin(), order.end(), name) == order.end())
      throw InputError(fmt::format("options given for analyser '{}', which does not run (running: {})", name,
                                   fmt::join(order, ", ")));
  return order;
}

AnalysisSummary run_analysers(const PluginHost& plugins, AnalysisContext& context, const AnalysisRequest& request) {
  Log& log = context.log();
  std::vector<std::string> missing;
  const std::vector<std::string> order = analyser_order(plugins, request, &missing);
  for (const std::string& name : missing)
    log.warn(fmt::format("analyser '{}' is not installed; its artifacts are not written", name));

  // Options first: a bad key fails before anything slow runs.
  std::vector<std::unique_ptr<Analyser>> analysers;
  std::vector<OptionValues> options;
  for (const std::string& name : order) {
    const LoadedPlugin& loaded = *plugins.find("analyser", name);
    const auto it = request.options.find(name);
    options.push_back(resolve_options(plugins.option_schema(loaded), it == request.options.end()
                                                                            ? std::map<std::string, OptionValue>{}
                                                                            : it->second,
                                      fmt::format("analyser '{}'", name)));
    analysers.push_back(create_analyser(plugins, name));
  }

  AnalysisStoreView store(context.artifacts());
  ViewContext view(context, store);
  AnalysisSummary summary;
  for (std::size_t k = 0; k < order.size(); ++k) {
    AnalyserRun run;
    run.name = order[k];
    const std::string path = plugins.find("analyser", run.name)->path.string();
    const auto t = std::chrono::steady_clock::now();
    try {
      analysers[k]->analyse(view, options[k]);
    } catch (const std::exception& e) {
      run.error = e.what();
      log.warn(fmt::format("analyser '{}' ({}) failed: {}; its artifacts are missing from this iteration", run.name,
                           path, run.error));
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    run.files = store.take_current();
    log.info(fmt::format("[{:7.2f} s] analyser {}{}{}", run.seconds, run.name, run.error.empty() ? "" : " failed",
                         run.files.empty() ? "" : fmt::format(" -> {}", fmt::join(run.files, ", "))));
    summary.runs.push_back(std::move(run));
  }
  summary.files = store.all();

  // What iteration_index.json carries for the strategy (search_state_machine.md §1.3).
  if (const auto layerwise = read_json(store, "layerwise_error.json"); layerwise && layerwise->IsObject())
    for (const auto& m : layerwise->GetObject()) {
      if (summary.top_error_layers.size() == 5) break;
      if (m.value.IsNumber() && std::isfinite(m.value.GetDouble())) summary.top_error_layers.emplace_back(m.name.GetString(), m.value.GetDouble());
    }
  if (const auto hot = read_json(store, "non_computing_hot_ops.json"); hot && hot->IsArray())
    summary.non_computing_hot_ops_count = hot->Size();
  if (const auto jumps = read_json(store, "graphwise_jumps.json"); jumps && jumps->IsArray())
    summary.graphwise_jumps_count = jumps->Size();
  return summary;
}

}  // namespace qtune
