#include "qtune/search/phase5_advice.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "qtune/search/json_util.h"
#include "qtune/search/phase5_patterns.h"

namespace qtune::search {
namespace {

// §7.7: how many history entries the advice quotes.
constexpr std::size_t kImprovingShown = 6;
constexpr std::size_t kRegressingShown = 3;

// "k=v" with Python str() of the value, or the advisory default when the key is absent.
std::string knob(const JsonValue* block, const char* key, const char* absent) {
  const JsonValue* v = json_member(block, key);
  return fmt::format("{}={}", key, v != nullptr ? python_str(v) : std::string(absent));
}

std::vector<std::string> strings_of(const JsonValue* list) {
  std::vector<std::string> out;
  if (list != nullptr && list->IsArray())
    for (const JsonValue& v : list->GetArray()) out.push_back(python_str(&v));
  return out;
}

std::vector<std::string> pattern_labels(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) out.push_back(phase5_pattern_label(p));
  return out;
}

std::string move_text(const JsonValue& move) {
  const JsonValue* label = json_member(&move, "added_pass");
  const JsonValue* delta = json_member(&move, "delta_vs_prior_best");
  return fmt::format("iter_{} via {} ({:+.4f})", python_str(json_member(&move, "iter")),
                     json_truthy(label) ? python_str(label) : std::string("<multi-knob>"),
                     delta != nullptr && delta->IsNumber() ? delta->GetDouble() : 0.0);
}

std::string moves_text(const JsonValue* moves, std::size_t limit) {
  std::vector<std::string> parts;
  if (moves != nullptr && moves->IsArray())
    for (rapidjson::SizeType i = 0; i < moves->Size() && i < limit; ++i) parts.push_back(move_text((*moves)[i]));
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

std::vector<std::string> phase5_tunable_params_lines(const rapidjson::Value& setting) {
  std::vector<std::string> lines;
  if (block_enabled(setting, "tqt_optimization")) {
    const JsonValue* t = object_block(setting, "tqt_optimization");
    lines.push_back(fmt::format("tqt_optimization (current: {}, {}, {}) - try lr in {{1e-05, 5e-05, 0.0001}}, steps in "
                                "{{500, 1000, 2000, 5000}}, block_size in {{2, 4, 6, 8}}",
                                knob(t, "lr", "1e-05"), knob(t, "steps", "500"), knob(t, "block_size", "4")));
  }
  if (block_enabled(setting, "blockwise_reconstruction")) {
    const JsonValue* b = object_block(setting, "blockwise_reconstruction");
    lines.push_back(fmt::format("blockwise_reconstruction (current: {}, {}, {}) - try lr in {{0.0005, 0.001}}, steps "
                                "in {{5000, 10000}}, block_size in {{4, 6, 8}}",
                                knob(b, "lr", "0.001"), knob(b, "steps", "5000"), knob(b, "block_size", "4")));
  }
  if (block_enabled(setting, "equalization")) {
    // Advisory defaults as the reference prints them (opt_level 2, iterations 5), although
    // the pass itself defaults to opt_level 1, iterations 10 (§17.7).
    const JsonValue* e = object_block(setting, "equalization");
    lines.push_back(fmt::format("equalization (current: {}, {}) - try opt_level in {{1, 2}}, iterations in {{5, 10}}",
                                knob(e, "opt_level", "2"), knob(e, "iterations", "5")));
  }
  if (const JsonValue* f = object_block(setting, "fusion_alignment"); f != nullptr && f->MemberCount() > 0) {
    const JsonValue* direction = json_member(f, "align_elementwise_to");
    // qtune accepts Align to Large / Align to Output / None; the reference also names
    // "Align to Small", which its own setting reader rejects (§17.7), so it is left out.
    lines.push_back(fmt::format("fusion_alignment (current: align_elementwise_to={}) - directions: Align to Large / "
                                "Align to Output / None",
                                direction != nullptr ? python_repr(*direction) : std::string("'(unset)'")));
  }
  if (calib_lower(setting) == "percentile")
    lines.emplace_back(
        "percentile (current: calib_algorithm=percentile, percentile 99.99 unless set) - try the percentile knob "
        "99.9 / 99.99 (default) / 99.999 (the percentile calibration's `percentile` option: 0.999 / 0.9999 / "
        "0.99999)");
  return lines;
}

std::string phase5_advice(const History& rows, const IterationRow* best, const rapidjson::Value& signals,
                          const std::string& trigger_reason, const std::vector<SkippedLever>& skipped,
                          const SearchConstants& constants) {
  std::vector<std::string> parts;
  // 1. Header.
  std::string header = fmt::format("Phase 5 \u2014 agent-driven exploration ({}).", trigger_reason);
  if (best != nullptr)
    header += fmt::format(" Best iteration: iter_{} ({}={}).", best->id, best->primary_metric(),
                          python_str(&best->primary_value()));
  else
    header += " No iteration has a finite metric yet.";
  const auto target = target_metric(rows);
  header += fmt::format(" target_metric={}.", target ? python_float_repr(*target) : "not set");
  header +=
      " No setting template is given in this phase: compose the next setting.json yourself from best's setting and "
      "the signals below (comparison.json next_step_hint.phase5_signals), citing the iterations that motivate it.";
  parts.push_back(header);

  // 2-4. History.
  const JsonValue* improving = json_member(&signals, "improving_levers");
  if (improving != nullptr && improving->IsArray() && !improving->Empty())
    parts.push_back(fmt::format("Improving levers in history: {}.", moves_text(improving, kImprovingShown)));
  const auto swaps = strings_of(json_member(&signals, "untried_calib_swaps"));
  if (!swaps.empty())
    parts.push_back(fmt::format(
        "Calibrations covered in Phase 2 but never tried on best's stack: {} (Composition discipline #4: never retire "
        "a calibration by its calibration-only score).",
        fmt::join(swaps, ", ")));
  const JsonValue* regressing = json_member(&signals, "regressing_levers");
  if (regressing != nullptr && regressing->IsArray() && !regressing->Empty())
    parts.push_back(fmt::format("Regressions to avoid re-stacking: {}.", moves_text(regressing, kRegressingShown)));

  // 5. Levers Phase 3 skipped by a trigger rule.
  if (!skipped.empty()) {
    std::vector<std::string> items;
    for (const SkippedLever& s : skipped) items.push_back(fmt::format("{} ({})", s.lever, s.reason));
    parts.push_back(fmt::format("Levers skipped by trigger rules in Phase 3: {}.", fmt::join(items, "; ")));
  }

  // 6-9. Coverage.
  const JsonValue* total = json_member(&signals, "iteration_count_total");
  const JsonValue* p5 = json_member(&signals, "phase5_iteration_count");
  std::string coverage = fmt::format("Coverage so far: {} total iterations ({} in Phase 5).",
                                     total != nullptr ? python_str(total) : std::to_string(rows.size()),
                                     p5 != nullptr ? python_str(p5) : std::string("0"));
  std::vector<std::string> attempted;
  if (const JsonValue* cov = json_member(&signals, "phase5_pattern_coverage"); cov != nullptr && cov->IsObject())
    for (const std::string& p : phase5_pattern_ids()) {
      const auto ids = strings_of(json_member(cov, p.c_str()));
      if (ids.empty()) continue;
      std::vector<std::string> named;
      for (const std::string& id : ids) named.push_back("iter_" + id);
      attempted.push_back(fmt::format("{} x{} ({})", phase5_pattern_label(p), ids.size(), fmt::join(named, ", ")));
    }
  coverage += attempted.empty() ? " Patterns attempted: NONE yet in Phase 5."
                                : fmt::format(" Patterns attempted: {}.", fmt::join(attempted, "; "));
  parts.push_back(coverage);
  const auto untried_patterns = strings_of(json_member(&signals, "untried_phase5_patterns"));
  if (!untried_patterns.empty())
    parts.push_back(fmt::format("Untried Phase 5 patterns: {}.", fmt::join(pattern_labels(untried_patterns), ", ")));
  const auto untried_levers = strings_of(json_member(&signals, "untried_phase3_levers"));
  if (!untried_levers.empty())
    parts.push_back(fmt::format(
        "Untried Phase 3 linear-order levers (left uncovered by `_PHASE3_CAP={}`): {}. Stack each on best, one per "
        "iteration.",
        constants.phase3_cap, fmt::join(untried_levers, ", ")));
  const auto reapply = strings_of(json_member(&signals, "untried_5beta_reapply"));
  if (!reapply.empty())
    parts.push_back(fmt::format(
        "5\u03b2-reapply coverage: these calibrations were never re-run on a stack as deep as best's: {}. Re-run each "
        "on best's stack (a calibration swap only).",
        fmt::join(reapply, ", ")));

  // 10-11. Knobs of best and its on-device cost.
  if (best != nullptr) {
    const auto lines = phase5_tunable_params_lines(best->setting());
    if (!lines.empty())
      parts.push_back(fmt::format("Tunable parameters in current best (advisory, not coverage): {}.",
                                  fmt::join(lines, "; ")));
    const RuntimeCost cost = runtime_cost(best->setting());
    if (cost.affects_speed)
      parts.push_back(fmt::format(
          "Best costs on-device speed ({}): try trimming that cost (drop an int16 op or a weight split) and keep the "
          "trim when the metric holds.",
          cost.label));
  }

  // 12-14. Where to go, and when to stop.
  parts.push_back(
      "Starting points to consider: (a) STACK - combine levers that improved on best's stack (Composition "
      "discipline #5: a multi-knob move cites in its rationale the iteration ids whose data motivated each change); "
      "(b) CROSS-POLLINATE CALIB - re-run another calibration on best's stack; (c) ABLATE - drop one component of "
      "best and see whether it still pays; (d) DIVE INTO ARTIFACTS - read best's layerwise_error.json, "
      "layer_stats.json, non_computing_hot_ops.json and graphwise_jumps.json and act on the worst layers (int16 "
      "dispatch, weight split, a tuned knob).");
  parts.push_back(
      "Stop signals: (1) target_metric reached - the next `qtune compare` moves to phase-4 and finalizes by itself; "
      "(2) plateau - likewise; (3) USER-GIVEN ITERATION BUDGET REACHED - run `qtune compare --output-dir outputs "
      "--finalize --force-finalize`; (4) finalize on your own ONLY when ALL of the following hold: the user gave no "
      "iteration budget, `untried_phase5_patterns`, `untried_phase3_levers` and `untried_5beta_reapply` are all "
      "empty, and no recent iteration set a new best. A bare `--finalize` in phase 5 without target or plateau is "
      "rejected (exit code 1).");
  parts.push_back("The wrap-up command is in comparison.json[\"early_finalize_command\"].");
  return fmt::format("{}", fmt::join(parts, " "));
}

}  // namespace qtune::search
