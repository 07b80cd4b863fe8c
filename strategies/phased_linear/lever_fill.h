#pragma once
// A Phase-3 lever made concrete: the reference hands the agent a template with
// "<FILL: ...>" placeholders; phased-linear fills them from the best iteration's
// artifacts (layerwise_error.json, layer_stats_full.json, non_computing_hot_ops.json), or
// says why the lever cannot apply (its pass plugin is not installed, no layer qualifies).
#include <memory>
#include <string>

#include "qtune/strategy.h"
#include "qtune/search/setting_edit.h"

namespace qtune::phased {

using search::Document;
using search::copy_setting;
using search::deep_merge;
using search::setting_text;
using search::already_run;
using search::enabled_summary;

struct LeverPlan {
  std::string skip_reason;             // non-empty: the lever cannot be applied
  std::shared_ptr<Document> snippet;   // the lever's keys, placeholders filled
  std::string evidence;                // what in the artifacts motivated it (for the rationale)
};

// The setting key of the pass a lever turns on ("tqt_optimization" for 3a-x, ...).
std::string lever_setting_key(const std::string& lever);
// A one-line description of what the lever changes.
std::string lever_summary(const std::string& lever);

LeverPlan plan_lever(const std::string& lever, const IterationRow* best, int next_id, StrategyContext& context);

}  // namespace qtune::phased
