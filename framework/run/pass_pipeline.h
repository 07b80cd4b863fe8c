#pragma once
// PassPipeline: the pass plugins one iteration runs, in esp-ppq's order (reference §1.7):
// one pass per enabled block of the resolved setting, sorted by PassStage, then
// Pass::order_in_stage(), then setting key. The iteration calls run_stage() at each stage
// (PreQuantize on the float graph; Fusion after quantize_graph; Alignment after
// calibration; then BiasCorrection, Training, Finalize). After every pass of the
// Alignment, BiasCorrection and Training stages the passive configs are re-derived
// (esp-ppq's PassiveParameterQuantizePass after each of those passes).
#include <memory>
#include <string>
#include <vector>

#include "host/plugin_host.h"
#include "qtune/pass.h"
#include "run/iteration_artifacts.h"
#include "run/resolved_setting.h"

namespace qtune {


class PassPipeline {
 public:
  // `setting` and `host` must outlive the pipeline. InputError when a block's plugin is a
  // calibration algorithm or declares the Calibration stage (calibration is driven by
  // calib_algorithm, not by a block).
  PassPipeline(const ResolvedSetting& setting, const PluginHost& host);

  // Runs the passes of `stage`; a pass's exception is rethrown (same kind) with the pass
  // named. Every pass's notes are also logged.
  std::vector<PassRecord> run_stage(PassStage stage, PassContext& context) const;
  std::size_t size() const { return entries_.size(); }
  // "key (plugin, stage)" in run order, for the console.
  std::vector<std::string> describe() const;

 private:
  struct Entry {
    std::unique_ptr<Plugin> owner;
    Pass* pass = nullptr;
    std::string key;
    std::string plugin;
    std::string path;
    const OptionValues* options = nullptr;
  };
  std::vector<Entry> entries_;
};

}  // namespace qtune
