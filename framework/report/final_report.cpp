#include "report/final_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "report/finalize_reason.h"
#include "report/history_view.h"
#include "report/python_snippet.h"
#include "report/report_json.h"

namespace fs = std::filesystem;

namespace qtune::report {
namespace {

// The reference looks for the marker in this many leading lines.
constexpr int kMarkerLines = 10;
// Method cells are cut to this many characters (table) / key-findings mentions.
constexpr std::size_t kMethodChars = 80;
constexpr std::size_t kFindingMethodChars = 60;
// Deltas smaller than this are no finding (reference §11 step 8).
constexpr double kFindingTolerance = 1e-9;
constexpr std::size_t kTopLayers = 5;

std::string escape_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string str_of(const rapidjson::Value* v) {
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::string percent_text(double fraction) {
  // Python's {:g} of a percentage: 0.1 -> "0.1", 1.0 -> "1".
  std::string s = fmt::format("{:g}", fraction * 100);
  return s + "%";
}

bool better(double a, double b, const std::string& direction) { return direction == "max" ? a > b : a < b; }

class ReportWriter {
 public:
  explicit ReportWriter(const ReportInputs& in)
      : in_(in), rows_(*in.rows), best_(in.best), pm_(primary_metric_of(rows_, best_)) {
    target_ = target_metric(rows_);
    gap_ = gap_to_target(best_, target_);
  }

  std::string render() {
    marker();
    line(fmt::format("# Final Report: {} on {}", model_name_of(rows_), target_chip_of(rows_)));
    line();
    summary();
    stop_reason();
    ranking_warnings();
    history();
    best_setting();
    snippet();
    key_findings();
    remaining_gap();
    return out_;
  }

 private:
  void line(const std::string& text = "") { out_ += text + "\n"; }

  bool short_of_target() const { return best_ && gap_ && *gap_ > 0; }

  void marker() {
    const std::string ts = in_.timestamp.empty() ? utc_timestamp() : in_.timestamp;
    line(fmt::format("{}{} by qtune compare. The \"## Key findings\" and \"## Remaining gap (if target not met)\" "
                     "sections may be edited; removing this comment marks the file as edited by hand, and "
                     "qtune compare --finalize then keeps it unless --force. -->",
                     kReportMarkerPrefix, ts));
  }

  void summary() {
    line("## Summary");
    line();
    if (!best_) {
      line(fmt::format("- **No successful iteration**: no iteration has a finite {} value.",
                       pm_.empty() ? "primary metric" : pm_));
      line(fmt::format("- Iterations attempted: {}", rows_.size()));
      line();
      return;
    }
    line(fmt::format("- Best iteration: iter_{}", best_->id));
    line(fmt::format("- {}: {} (target_metric={})", pm_, format_value(&best_->primary_value()),
                     target_ ? fmt::format("{:.4f}", *target_) : "not set"));
    // Where the value comes from (the reference meant to say this and never did, §17.8).
    const EvalSource source = eval_source(*best_);
    if (!source.used.empty() || source.samples) {
      std::string text = fmt::format("- Evaluated with: {}", eval_source_text(source));
      if (source.standard_error) text += fmt::format(" (binomial standard error ± {:.4f})", *source.standard_error);
      if (source.used == "evaluate_fast" && !full_eval(*best_))
        text += "; a subset: confirm with the full evaluate before deploying";
      line(text);
    }
    if (const auto full = full_eval(*best_))
      line(fmt::format("- Full evaluation of the best: {}={}", pm_, full_eval_text(*full)));
    if (const IterationRow* second = runner_up(rows_, best_)) {
      std::string text = fmt::format("- Runner-up: iter_{} ({}={}", second->id, pm_, value_with_error(*second));
      if (const auto full = full_eval(*second)) text += fmt::format("; full evaluation {}", full_eval_text(*full));
      text += ")";
      if (metric_standard_error(*best_) && metric_standard_error(*second) &&
          compare_beyond_noise(*best_, *second, best_->metric_direction()) == 0)
        text += ": within sampling noise of the best";
      line(text);
    }
    line(fmt::format("- On-device speed cost vs baseline (best): {}", runtime_cost(best_->setting()).label));
    const rapidjson::Value& extra = best_->field("extra_metrics");
    if (extra.IsObject()) {
      std::vector<std::string> items;
      for (auto it = extra.MemberBegin(); it != extra.MemberEnd(); ++it) {
        const std::string key = it->name.GetString();
        if (key.starts_with("_") || key == pm_ || key == "metric_direction") continue;
        items.push_back(fmt::format("{}={}", key, format_value(&it->value)));
      }
      if (!items.empty()) {
        std::string joined;
        for (const auto& s : items) joined += (joined.empty() ? "" : ", ") + s;
        line("- Other metrics: " + joined);
      }
    }
    if (rows_.size() == 1) line("- _Single-iteration session_ (baseline only).");
    if (short_of_target()) line(fmt::format("- Gap to target: {:.4f} (absolute)", *gap_));
    line();
  }

  void stop_reason() {
    const rapidjson::Value* reason = in_.finalize_reason;
    if (!reason || !reason->IsObject()) return;
    const std::string category = str_of(json_member(reason, "category"));
    line("## Stop reason");
    line();
    line(fmt::format("- **Category**: `{}`", category));
    const rapidjson::Value* best_id = json_member(reason, "best_iteration_id");
    const rapidjson::Value* best_value = json_member(reason, "best_primary_value");
    if (json_numeric(best_id) && best_value && !best_value->IsNull())
      line(fmt::format("- **Best**: iter_{} ({}={})", python_str(best_id), pm_, format_value(best_value)));
    const rapidjson::Value* target = json_member(reason, "target_metric");
    const rapidjson::Value* gap = json_member(reason, "gap_to_target");
    if (json_numeric(target)) {
      std::string text = fmt::format("- **Target**: {}", format_value(target));
      if (json_finite(gap)) {
        // The signed gap of finalize_reason.gap_to_target; a negative one is a margin.
        text += fmt::format(" &nbsp; **Gap**: {}", signed4(gap->GetDouble()));
        if (gap->GetDouble() < 0) text += fmt::format(" (target exceeded by {:.4f})", -gap->GetDouble());
      }
      line(text);
      // The gap above is on the value the search ranked (possibly evaluate_fast); say
      // what the full evaluation of the best gives, which is what the chip will show.
      if (best_) {
        if (const auto full = full_eval(*best_)) {
          const bool max = best_->metric_direction() != "min";
          const double t = json_number(*target);
          const bool met = max ? full->value >= t : full->value <= t;
          line(fmt::format("- **Full evaluation of the best**: {}={} — target {} on the full set{}", pm_,
                           full_eval_text(*full), met ? "met" : "NOT met",
                           met ? "" : fmt::format(" (gap {:.4f})", std::fabs(t - full->value))));
        }
      }
    } else {
      line("- **Target**: not set");
    }
    line();
    if (category == kTargetReached) {
      line("The best iteration meets target_metric, so the search stopped.");
      if (best_) {
        const EvalSource source = eval_source(*best_);
        if (const auto full = full_eval(*best_))
          line(fmt::format("Its full evaluation: {}={}.", pm_, full_eval_text(*full)));
        else if (source.used == "evaluate_fast")
          line("The value comes from evaluate_fast (a subset); re-run the best setting with the full evaluate "
               "(`qtune iterate --use-full-eval`) before relying on it.");
      }
    } else if (category == kPlateau) {
      const rapidjson::Value* window = json_member(reason, "plateau_window");
      line(fmt::format("The last {} iterations are all within {} of the best value (plateau): more single-knob "
                       "changes are unlikely to move the metric.",
                       json_numeric(window) ? python_str(window) : std::to_string(in_.plateau_rule.window),
                       percent_text(in_.plateau_rule.rel_tol)));
      line();
      line("Recent iterations triggering plateau:");
      if (const rapidjson::Value* recent = json_member(reason, "plateau_recent_values"); recent && recent->IsArray())
        for (const auto& entry : recent->GetArray())
          line(fmt::format("- iter_{}: {}={}", python_str(json_member(&entry, "iteration_id")), pm_,
                           format_value(json_member(&entry, "primary_value"))));
    } else if (category == kForceFinalizePhase5) {
      line("Finalized on request (--finalize --force-finalize) during Phase 5, before the search ran out of "
           "untried patterns and levers.");
      line();
      untried(reason);
    } else if (category == kManualFinalizePhase4) {
      line("Finalized on request (--finalize) in phase 4.");
    } else if (category == kManualFinalizePrePhase5) {
      line("Finalized on request (--finalize) before the search reached Phase 5: the remaining phases were not "
           "explored.");
    } else {
      const std::string why = str_of(json_member(reason, "reason"));
      line(why.empty() ? fmt::format("The run was finalized (category `{}`).", category)
                       : fmt::format("The run was finalized; the strategy's last decision: {}", why));
      if (json_member(reason, "untried_phase5_patterns") || json_member(reason, "untried_phase3_levers")) {
        line();
        untried(reason);
      }
    }
    line();
  }

  void untried(const rapidjson::Value* reason) {
    const rapidjson::Value* total = json_member(reason, "iteration_count_total");
    const rapidjson::Value* p5 = json_member(reason, "phase5_iteration_count");
    line(fmt::format("Iterations so far: {} total ({} in Phase 5).",
                     json_numeric(total) ? python_str(total) : std::to_string(rows_.size()),
                     json_numeric(p5) ? python_str(p5) : "0"));
    line();
    line("- **Untried Phase 5 patterns**: " + untried_list_text(json_member(reason, "untried_phase5_patterns"), true));
    line("- **Untried Phase 3 linear-order levers**: " + untried_list_text(json_member(reason, "untried_phase3_levers"), false));
    const std::string reapply = untried_list_text(json_member(reason, "untried_5beta_reapply"), false);
    if (reapply == "(none)") line("- **Untried 5β-reapply targets**: (none)");
    else line("- **Untried 5β-reapply targets** (re-run on the deepest stack): " + reapply);
  }

  void ranking_warnings() {
    const DenseRanks ranks = dense_ranks(rows_);
    if (ranks.warnings.empty()) return;
    line("> **Ranking warnings**");
    for (const auto& w : ranks.warnings) line("> - " + w);
    line();
  }

  void history() {
    const DenseRanks ranks = dense_ranks(rows_);
    const std::string direction = table_direction(rows_);
    line("## Iteration history");
    line();
    line("> `rank` is the dense rank of the primary metric (1 = best, equal values share a rank, `-` = no finite "
         "value). `affects inference speed` says whether the setting costs on-device speed versus the baseline "
         "(int16 promotions, weight split). `eval` is the evaluation behind the value (evaluate_fast = the "
         "contract's subset, evaluate = the full set) with its sample count; `±` is the binomial standard error "
         "when the sample count is known. `delta` is against the baseline iter_0.");
    line();
    if (!in_.plot_file.empty()) {
      line(fmt::format("![{} per iteration]({})", pm_.empty() ? "primary metric" : pm_, in_.plot_file));
      line();
    }
    line(fmt::format("| iter | method changed | {} | eval | delta | outcome | rank | affects inference speed |",
                     pm_.empty() ? "primary_metric" : escape_cell(pm_)));
    line("|---|---|---|---|---|---|:-:|---|");
    for (const IterationRow& row : rows_) {
      const bool is_best = best_ && row.dir == best_->dir;
      std::string delta = "-";
      if (const auto d = delta_vs_baseline(row, rows_)) delta = fmt::format("{} {}", signed4(*d), delta_arrow(*d, direction));
      std::string eval = eval_source_text(eval_source(row));
      if (const auto full = full_eval(row)) eval += fmt::format("; full: {}", full_eval_text(*full));
      const auto rank = ranks.rank.find(row.id);
      std::string rank_text = rank != ranks.rank.end() ? std::to_string(rank->second) : "-";
      std::string outcome = outcome_label(row, rows_, best_);
      if (is_best) {
        outcome = "**" + outcome + "**";
        rank_text = "**" + rank_text + "**";
      }
      line(fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |", row.id, escape_cell(rationale_line(row, kMethodChars)),
                       value_with_error(row), escape_cell(eval), delta, outcome, rank_text,
                       escape_cell(runtime_cost(row.setting()).label)));
    }
    line();
  }

  void best_setting() {
    line("## Best setting");
    line();
    if (!best_) {
      line("_No best iteration available._");
      line();
      return;
    }
    line(fmt::format("The qtune setting of iter_{} (also `best/setting.json`); `qtune iterate --contract <contract.so> "
                     "--setting best/setting.json --output-dir <outputs>/iter_<N>` reproduces it.",
                     best_->id));
    line();
    line("```json");
    line(python_json(best_->setting()));
    line("```");
    line();
  }

  void snippet() {
    line("## Python snippet");
    line();
    if (!best_) {
      line("_No best iteration: nothing to reproduce._");
      line();
      return;
    }
    line("The same setting for esp-ppq (`QuantizationSettingFactory.espdl_setting()`), for workflows that still "
         "quantize in Python:");
    line();
    line("```python");
    out_ += python_snippet(best_->setting(), target_chip_of(rows_));
    line("```");
    line();
  }

  void key_findings() {
    line("## Key findings");
    line();
    if (!best_) {
      line("- _No finite-metric iteration yet: nothing to compare._");
    } else {
      const std::string direction = table_direction(rows_);
      const auto base = baseline_value(rows_);
      if (base) line(fmt::format("- Best vs baseline (iter_0 = {:.4f}): {}.", *base, signed4(best_->value() - *base)));
      // Finite non-baseline rows by delta, best first (stable).
      std::vector<std::pair<const IterationRow*, double>> moves;
      if (base)
        for (const IterationRow& row : rows_)
          if (row.id != 0 && row.has_finite_value()) moves.emplace_back(&row, row.value() - *base);
      std::stable_sort(moves.begin(), moves.end(),
                       [&](const auto& a, const auto& b) { return better(a.second, b.second, direction); });
      auto mention = [&](const char* what, const std::pair<const IterationRow*, double>& m) {
        line(fmt::format("- {}: iter_{} (delta {}; {}).", what, m.first->id, signed4(m.second),
                         rationale_line(*m.first, kFindingMethodChars)));
      };
      if (rows_.size() >= 2 && !moves.empty()) {
        // Only real improvements / regressions are named (the reference names the last
        // row "largest regression" even when it improved).
        if (better(moves.front().second, kFindingTolerance * (direction == "max" ? 1 : -1), direction))
          mention("Most helpful iteration", moves.front());
        if (better(-kFindingTolerance * (direction == "max" ? 1 : -1), moves.back().second, direction))
          mention("Largest regression", moves.back());
      }
      const rapidjson::Value& top = best_->field("top_5_error_layers");
      if (top.IsArray() && !top.Empty()) {
        line("- Top error layers in best iteration (layerwise SNR):");
        std::size_t n = 0;
        for (const auto& entry : top.GetArray()) {
          if (n++ == kTopLayers) break;
          const rapidjson::Value* snr = json_member(&entry, "snr");
          line(fmt::format("  - `{}` — SNR {}", python_str(json_member(&entry, "op")),
                           json_finite(snr) ? fmt::format("{:.6f}", snr->GetDouble()) : python_str(snr)));
        }
      }
      const RuntimeCost cost = runtime_cost(best_->setting());
      if (cost.affects_speed)
        line(fmt::format("- Speed trade-off: the best setting costs on-device speed ({}); the `ablation` strategy "
                         "finds the smallest recipe within a tolerance of it.",
                         cost.label));
      if (const IterationRow* second = runner_up(rows_, best_);
          second && metric_standard_error(*best_) && metric_standard_error(*second)) {
        const bool tie = compare_beyond_noise(*best_, *second, best_->metric_direction()) == 0;
        line(fmt::format("- Best vs runner-up iter_{}: {} {} sampling noise (1 standard error of the difference).",
                         second->id, signed4(best_->value() - second->value()), tie ? "is within" : "is beyond"));
      }
    }
    line();
    line("<!-- Agent / reviewer: expand these findings (which levers helped, which layers still dominate the "
         "error, what the artifacts of the best iteration show). This section is kept as edited when the marker "
         "line above is removed. -->");
    line();
  }

  void remaining_gap() {
    if (!short_of_target()) return;
    line("## Remaining gap (if target not met)");
    line();
    line(fmt::format("Target {:.4f} was not met. Gap: {:.4f} (absolute).", *target_, *gap_));
    line();
    line("Potential follow-up directions:");
    line();
    line("1. A larger or more representative calibration set (QUANT_CONFIG calib_steps / batch_size).");
    line("2. int16 on the worst 1-3 layers of layerwise_error.json (`dispatching_table`; costs on-device speed).");
    line("3. Blockwise reconstruction stacked on TQT (`blockwise_reconstruction`, lr 1e-3, steps 5000, "
         "block_size 4), where its pass plugin is installed.");
    line();
    line("<!-- Agent / reviewer: add what you would try next and why. -->");
    line();
  }

  const ReportInputs& in_;
  const History& rows_;
  const IterationRow* best_;
  std::string pm_;
  std::optional<double> target_;
  std::optional<double> gap_;
  std::string out_;
};

}  // namespace

std::string utc_timestamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string render_final_report(const ReportInputs& inputs) { return ReportWriter(inputs).render(); }

bool report_has_marker(const std::string& text) {
  std::istringstream in(text);
  std::string l;
  for (int i = 0; i < kMarkerLines && std::getline(in, l); ++i)
    if (l.find(kReportMarkerPrefix) != std::string::npos || l.find(kQtuneMarkerPrefix) != std::string::npos)
      return true;
  return false;
}

std::string write_final_report(const fs::path& outputs_dir, const std::string& text, bool force) {
  const fs::path path = outputs_dir / kFinalReportFile;
  std::string action = "written";
  if (fs::exists(path)) {
    if (report_has_marker(read_file(path))) action = "rewritten";
    else if (force) action = "rewritten-forced";
    else return "preserved-by-agent-edit";
  }
  write_file_atomic(path, text);
  return action;
}

}  // namespace qtune::report
