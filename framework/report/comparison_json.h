#pragma once
// outputs/comparison.json (reference §10): every row, the best, dense ranks, the
// runtime-cost classification, ranking warnings, the command that finalizes early, and
// next_step_hint; plus qtune's own keys after them: "search_state" (the strategy's full
// structured state) and "strategy" (which strategy decided what).
#include <filesystem>
#include <string>

#include <rapidjson/document.h>

#include "qtune/history.h"
#include "qtune/strategy.h"

namespace qtune::report {

inline constexpr const char* kComparisonFile = "comparison.json";

// The strategy's hint_json split in its two parts. hint_json is
// {"next_step_hint": {...}, "search_state": {...}}; an object with neither key is taken
// as next_step_hint keys. Invalid JSON is an Error naming the strategy.
struct StrategyHint {
  rapidjson::Document next_step_hint{rapidjson::kObjectType};  // keys merged into next_step_hint
  rapidjson::Document search_state{rapidjson::kNullType};      // null when the strategy gave none
  // phase5_signals from either part, nullptr when absent.
  const rapidjson::Value* phase5_signals() const;
};
StrategyHint split_hint(const std::string& hint_json, const std::string& strategy);

struct NextStepHint {
  std::string phase;
  std::string advice;
  bool auto_finalized = false;
  bool premature_finalize_rejected = false;
  const rapidjson::Value* finalize_reason = nullptr;  // object, or nullptr
};

struct ComparisonInputs {
  const History* rows = nullptr;
  const IterationRow* best = nullptr;
  std::string early_finalize_command;
  NextStepHint hint;
  const StrategyHint* strategy_hint = nullptr;
  std::string strategy_name;
  const StrategyDecision* decision = nullptr;
};

// The document, keys in the reference's order, qtune's keys last.
rapidjson::Document comparison_document(const ComparisonInputs& inputs);

// Writes outputs/comparison.json atomically (NaN / Infinity tokens allowed).
void write_comparison(const std::filesystem::path& outputs_dir, const rapidjson::Value& document);

// "iterate" | "finalize" | "await_setting".
const char* action_name(StrategyDecision::Action action);

}  // namespace qtune::report
