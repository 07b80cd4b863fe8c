#include "run/pass_pipeline.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "qtune/error.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

bool rederives_passive(PassStage stage) {
  return stage == PassStage::Alignment || stage == PassStage::BiasCorrection || stage == PassStage::Training;
}

}  // namespace

PassPipeline::PassPipeline(const ResolvedSetting& setting, const PluginHost& host) {
  for (const auto& [key, block] : setting.blocks) {
    const LoadedPlugin* loaded = host.find("pass", block.plugin);
    if (!loaded) throw InputError(fmt::format("{}: pass plugin '{}' for block '{}' is not loaded", setting.source, block.plugin, key));
    Entry e;
    e.owner = host.create("pass", block.plugin);
    // Kind "pass" guarantees the class derives Pass (plugin.h); no dynamic_cast across libraries.
    e.pass = static_cast<Pass*>(e.owner.get());
    e.key = key;
    e.plugin = block.plugin;
    e.path = loaded->path.string();
    e.options = &block.options;
    if (e.pass->setting_key().empty() || e.pass->stage() == PassStage::Calibration)
      throw InputError(fmt::format(
          "pass plugin '{}' ({}) owns block '{}' but is a calibration algorithm; calibration is chosen by calib_algorithm",
          e.plugin, e.path, key));
    entries_.push_back(std::move(e));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.pass->stage() != b.pass->stage()) return a.pass->stage() < b.pass->stage();
    if (a.pass->order_in_stage() != b.pass->order_in_stage()) return a.pass->order_in_stage() < b.pass->order_in_stage();
    return a.key < b.key;
  });
}

std::vector<std::string> PassPipeline::describe() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(fmt::format("{} ({}, {})", e.key, e.plugin, pass_stage_name(e.pass->stage())));
  return out;
}

std::vector<PassRecord> PassPipeline::run_stage(PassStage stage, PassContext& context) const {
  std::vector<PassRecord> records;
  for (const Entry& e : entries_) {
    if (e.pass->stage() != stage) continue;
    PassRecord r{e.key, e.plugin, pass_stage_name(stage), 0, false, {}};
    context.log().info(fmt::format("pass {} ({}): running", e.key, e.plugin));
    const auto t = std::chrono::steady_clock::now();
    PassResult result;
    try {
      result = e.pass->run(context, *e.options);
      if (rederives_passive(stage)) update_passive_configs(context.graph());
    } catch (const InputError& ex) {
      throw InputError(fmt::format("pass {} ({}, {}): {}", e.key, e.plugin, e.path, ex.what()));
    } catch (const std::exception& ex) {
      throw Error(fmt::format("pass {} ({}, {}): {}", e.key, e.plugin, e.path, ex.what()));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    r.modified = result.modified;
    r.notes = std::move(result.notes);
    for (const std::string& note : r.notes) context.log().info(fmt::format("  {}: {}", e.key, note));
    context.log().info(fmt::format("[{:7.2f} s] pass {} {}", r.seconds, e.key, r.modified ? "done" : "done (no change)"));
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace qtune
