#include "qtune/search/advice.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "qtune/search/templates.h"

namespace qtune::search {
namespace {

std::string best_dir_text(const IterationRow* best) { return best != nullptr ? best->dir.string() : "<best>"; }

// What each lever changes and why, for the Phase-3 advice (§5 "Phase-3 advice layout").
std::string lever_summary(const std::string& lever, const std::string& r8_reason) {
  if (lever == "3a-1")
    return "Lever 3a-1 (TQT escalation 1): keep TQT on and raise steps to 1000 at lr 1e-05, block_size 4.";
  if (lever == "3a-2")
    return "Lever 3a-2 (TQT escalation 2): steps 2000 at lr 5e-05, block_size 4 (a longer, hotter schedule).";
  if (lever == "3a-3")
    return "Lever 3a-3 (TQT block_size 2): train smaller blocks (block_size 2), keeping best's lr and steps.";
  if (lever == "3b")
    return "Lever 3b (bias correction): enable bias_correct (block_size 4, steps 32) on best's stack to remove the "
           "output mean shift of biased layers (rule R5).";
  if (lever == "3c")
    return fmt::format(
        "Lever 3c (fusion alignment, rule R8): {}. Align the hot elementwise family to the larger input scale: "
        "align_elementwise_to for Add/Sub/Mul (the snippet), align_concat_to for Concat, align_resize_to for Resize, "
        "align_avgpooling_to for AveragePool.",
        r8_reason);
  if (lever == "3d")
    return "Lever 3d (layerwise equalization, rule R3): enable equalization (iterations 10, value_threshold 0.5, "
           "opt_level 2) to balance per-channel weight ranges across Conv -> act -> Conv chains.";
  if (lever == "3e")
    return "Lever 3e (int16 dispatch, rule R6): promote the top-1 error op of layerwise_error.json to 16 bits. Tier-B: "
           "an int16 op runs slower on the device, so it shows in the report's `affects inference speed` column.";
  if (lever == "3f")
    return "Lever 3f (weight split, rule R4): split the outlier-weight layers (weight kurtosis > 10, at most 3). "
           "Tier-B: the split layers cost on-device time, shown in `affects inference speed`.";
  if (lever == "3g")
    return "Lever 3g (blockwise reconstruction, rule R10): stack blockwise_reconstruction on best with TQT left on "
           "(esp-ppq runs AdaroundPass after TrainedQuantizationThresholdPass, so the two compose).";
  return "Lever " + lever + ".";
}

}  // namespace

std::string phase1_advice() {
  return "Phase 1 - baseline: outputs/ has no iteration yet. Run the baseline into iter_0 first: "
         "`qtune iterate --contract X.so --baseline --output-dir outputs/iter_0`, then `qtune compare --output-dir "
         "outputs` for the Phase-2 sweep.";
}

std::string phase2_advice(const std::string& calib, const std::vector<std::string>& remaining_legs,
                          const rapidjson::Value& template_json) {
  const std::string remaining =
      remaining_legs.empty()
          ? "This is the last Phase-2 leg."
          : fmt::format("Legs still to run after this one, in order: {}.", fmt::join(remaining_legs, ", "));
  return fmt::format(
      "Phase 2 - calibration x TQT sweep: run the `{}` leg next with this setting: `{}`. {} Keep the default TQT "
      "schedule (lr 1e-05, steps 500, block_size 4) exactly and enable no other pass: the legs must differ only in "
      "the calibration, or the sweep compares nothing. Run the legs sequentially, one `qtune iterate` at a time, "
      "with `qtune compare` after each.",
      calib, render_template(template_json), remaining);
}

std::string phase3_advice(const std::string& lever, const IterationRow* best, int next_id,
                          const rapidjson::Value& template_json, const Phase3Notes& notes) {
  std::string text = fmt::format(
      "{} Mutate from {}/setting.json: deep-merge the snippet onto a copy of it, set iteration_id={}, and replace "
      "the rationale's <FILL: ...> with the layerwise / non_computing_hot_ops / graphwise_jumps observation behind "
      "the change. Template change snippet: `{}`.",
      lever_summary(lever, notes.r8_reason), best_dir_text(best), next_id, render_template(template_json));
  if (notes.path1_latest_id)
    text += fmt::format(
        " 3a-3 PATH 1 triggered: the latest iteration iter_{} is a TQT escalation that regressed slightly against "
        "best and brought a new op into the top-5 error layers, a sign of unstable TQT blocks; the fallback is a "
        "smaller TQT block (block_size 2).",
        *notes.path1_latest_id);
  if (notes.path2_note)
    text += fmt::format(
        " 3a-3 PATH 2 also eligible: 3a-1 and 3a-2 were tried and none of 3a-3 / 3b / 3c / 3d yet. Before running {}, "
        "check best's non_computing_hot_ops.json / layer_stats.json for R5 (|Noise Mean| > 0.1 x Noise Std on a "
        "biased op), R8 (inputs std ratio > 5) or R3 (weight max/mean > 5); if none matches, prefer 3a-3 (TQT "
        "block_size 2) instead.",
        lever);
  text +=
      " One knob per iteration: change nothing else, then run `qtune iterate` and `qtune compare`; stop escalating an "
      "axis after it regressed.";
  return text;
}

std::string plateau_reason(const SearchConstants& constants) {
  return fmt::format("plateau detected (last {} iterations within {:g}% of best)", constants.plateau_window,
                     constants.plateau_rel_tol * 100);
}

std::string phase4_advice(const std::string& reason, const IterationRow* best, std::optional<double> target) {
  std::string text = fmt::format("Stop iterating ({}).", reason);
  if (best != nullptr)
    text += fmt::format(" Best iteration: iter_{} ({}={}).", best->id, best->primary_metric(),
                        python_str(&best->primary_value()));
  text += fmt::format(" target_metric={}.", target ? python_float_repr(*target) : "not set");
  if (best != nullptr && target) {
    const bool max = best->metric_direction() == "max";
    const double gap = max ? *target - best->value() : best->value() - *target;
    if (gap > 0)
      text += fmt::format(" Gap to target: {:.4f}. A full-evaluation re-run of the best setting may close it.",
                          std::fabs(gap));
  }
  text +=
      " `qtune compare` finalizes by itself in this phase: outputs/best/ (setting, metrics, model.espdl) and "
      "outputs/final_report.md are written. In the report's history table, `rank` is the dense rank by the primary "
      "metric (equal values share a rank) and `affects inference speed` says whether the setting costs on-device "
      "speed (int16 dispatch, weight split). Follow-up: (1) read outputs/final_report.md; (2) if the metrics came "
      "from evaluate_fast, re-run the best setting with the full evaluation (`qtune iterate ... --use-full-eval`); "
      "(3) after editing, regenerate the report with `qtune compare --output-dir outputs --finalize --force`.";
  return text;
}

}  // namespace qtune::search
