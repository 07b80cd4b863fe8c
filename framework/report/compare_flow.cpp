#include "report/compare_flow.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "qtune/error.h"
#include "report/best_dir.h"
#include "report/comparison_json.h"
#include "report/comparison_table.h"
#include "report/final_report.h"
#include "report/finalize_reason.h"
#include "report/history_view.h"
#include "report/metric_plot.h"

namespace fs = std::filesystem;

namespace qtune::report {
namespace {

// Strategy options that, when a strategy declares them, set the plateau rule compare
// checks (the reference's _PLATEAU_WINDOW / _PLATEAU_REL_TOL).
constexpr const char* kPlateauWindowOption = "plateau_window";
constexpr const char* kPlateauRelTolOption = "plateau_rel_tol";

PlateauRule plateau_rule_of(const OptionValues& options) {
  PlateauRule rule;
  try {
    if (options.has(kPlateauWindowOption)) rule.window = static_cast<int>(options.get_int(kPlateauWindowOption));
    if (options.has(kPlateauRelTolOption)) rule.rel_tol = options.get_float(kPlateauRelTolOption);
  } catch (const Error&) {
    // A strategy declaring these names with other types keeps the reference's constants.
  }
  return rule;
}

std::string quote_if_needed(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t'\"\\$`") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void print_rejection(std::ostream& out, const History& rows, const IterationRow* best, std::optional<double> target,
                     const std::string& phase, const rapidjson::Value* signals) {
  out << fmt::format("[compare] PREMATURE --finalize REJECTED (phase={}).\n", phase);
  const std::string pm = primary_metric_of(rows, best);
  if (!target) {
    out << "[compare] target_metric is not set, and no plateau was detected.\n";
  } else {
    std::string line = fmt::format("[compare] target_metric={} not met", python_float_repr(*target));
    if (best) line += fmt::format(" (best iter_{}: {}={})", best->id, pm, format_value(&best->primary_value()));
    if (const auto gap = gap_to_target(best, target)) line += fmt::format(" (gap to target: {:+.4f})", std::fabs(*gap));
    out << line << ", and no plateau was detected.\n";
  }
  const rapidjson::Value* total = json_member(signals, "iteration_count_total");
  const rapidjson::Value* p5 = json_member(signals, "phase5_iteration_count");
  out << fmt::format("[compare] iterations so far: {} total ({} in Phase 5).\n",
                     json_numeric(total) ? python_str(total) : std::to_string(rows.size()),
                     json_numeric(p5) ? python_str(p5) : "0");
  out << "[compare] untried Phase 5 patterns: "
      << untried_list_text(json_member(signals, "untried_phase5_patterns"), true) << "\n";
  out << "[compare] untried Phase 3 linear-order levers: "
      << untried_list_text(json_member(signals, "untried_phase3_levers"), false) << "\n";
  if (const rapidjson::Value* reapply = json_member(signals, "untried_5beta_reapply");
      reapply && reapply->IsArray() && !reapply->Empty())
    out << "[compare] untried 5β-reapply targets (re-run these calibrations on the deepest stack): "
        << untried_list_text(reapply, false) << "\n";
  out << "[compare] outputs/best/ and outputs/final_report.md were NOT written.\n";
  out << "[compare] Options: (a) keep iterating: comparison.json's next_step_hint lists what is untried; "
         "(b) if the user's iteration budget is spent or stopping here is intended, re-run with "
         "--finalize --force-finalize.\n";
}

}  // namespace

std::string early_finalize_command(const fs::path& outputs_dir, const std::string& explicit_strategy) {
  std::string cmd = fmt::format("qtune compare --output-dir {} --finalize", quote_if_needed(outputs_dir.string()));
  if (!explicit_strategy.empty()) cmd += fmt::format(" --strategy {}", quote_if_needed(explicit_strategy));
  return cmd;
}

CompareResult run_compare(const StrategyHost& host, const CompareRequest& request, std::ostream& out, Log& log) {
  std::error_code ec;
  if (!fs::is_directory(request.outputs_dir, ec))
    throw InputError(fmt::format("--output-dir: directory '{}' does not exist", request.outputs_dir.string()));
  const fs::path outputs = fs::absolute(request.outputs_dir).lexically_normal();
  const fs::path outputs_dir = outputs.has_filename() ? outputs : outputs.parent_path();

  CompareResult result;
  const History rows = load_history(outputs_dir);

  // Which strategy, with which options: --strategy, else the one outputs/run.json records.
  const auto recorded = read_recorded_strategy(outputs_dir);
  std::string explicit_strategy;
  if (!request.strategy.empty()) {
    result.strategy = request.strategy;
    if (!recorded || recorded->name != request.strategy) explicit_strategy = request.strategy;
  } else {
    result.strategy = recorded ? recorded->name : kDefaultStrategy;
  }
  const rapidjson::Value* recorded_options =
      recorded && recorded->name == result.strategy ? recorded->options.get() : nullptr;
  const OptionValues options = host.options(result.strategy, request.strategy_options, recorded_options);

  result.decision = host.decide(result.strategy, outputs_dir, options, request.iterations_left,
                                request.contract_config, log, &rows);
  const StrategyDecision& decision = result.decision;
  const StrategyHint hint = split_hint(decision.hint_json, result.strategy);

  const IterationRow* best = best_iteration(rows);
  const std::optional<double> target = target_metric(rows);
  const std::string direction = best ? best->metric_direction() : "max";
  const PlateauRule rule = plateau_rule_of(options);
  const bool target_met = target_reached(rows, target, direction);
  const bool plateau_reached = plateau(rows, best, rule);
  const bool strategy_finalizes = decision.action == StrategyDecision::Action::Finalize;

  ComparisonInputs comparison;
  comparison.rows = &rows;
  comparison.best = best;
  comparison.early_finalize_command = early_finalize_command(outputs_dir, explicit_strategy);
  comparison.hint.phase = decision.phase;
  comparison.hint.advice = decision.advice;
  comparison.strategy_hint = &hint;
  comparison.strategy_name = result.strategy;
  comparison.decision = &decision;

  write_metric_plot(outputs_dir, rows, best, target);

  // §8 step 3: a bare --finalize in Phase 5 with neither target nor plateau is refused.
  if (request.finalize && request.finalize_category.empty() && !strategy_finalizes && decision.phase == kPhase5 &&
      !target_met && !plateau_reached && !request.force_finalize) {
    result.premature_finalize_rejected = true;
    result.exit_code = kExitPrematureFinalize;
    print_rejection(out, rows, best, target, decision.phase, hint.phase5_signals());
    comparison.hint.premature_finalize_rejected = true;
    write_comparison(outputs_dir, comparison_document(comparison));
    return result;
  }

  FinalizeRequest finalize;
  finalize.strategy_finalizes = strategy_finalizes;
  finalize.strategy_category = decision.finalize_category;
  finalize.finalize = request.finalize;
  finalize.force_finalize = request.force_finalize;
  finalize.phase = decision.phase;
  finalize.target_met = target_met;
  finalize.plateau_reached = plateau_reached;
  result.finalize_category = finalize_category(finalize);
  if (!request.finalize_category.empty() && !strategy_finalizes) result.finalize_category = request.finalize_category;

  rapidjson::Document reason;
  if (!result.finalize_category.empty()) {
    reason = finalize_reason(result.finalize_category, rows, best, target, rule, hint.phase5_signals(),
                             decision.reason);
    result.best_action = write_best_dir(outputs_dir, best).action();
    ReportInputs report;
    report.rows = &rows;
    report.best = best;
    report.finalize_reason = &reason;
    report.plateau_rule = rule;
    report.plot_file = kMetricPlotFile;
    result.report_action = write_final_report(outputs_dir, render_final_report(report), request.force);
    comparison.hint.auto_finalized = true;
    comparison.hint.finalize_reason = &reason;
  }
  write_comparison(outputs_dir, comparison_document(comparison));

  TableInputs table;
  table.rows = &rows;
  table.best = best;
  table.phase = decision.phase;
  table.advice = decision.advice;
  table.early_finalize_command = comparison.early_finalize_command;
  out << comparison_table(table);

  if (!result.finalize_category.empty()) {
    out << "\n";
    if (strategy_finalizes && decision.phase == kPhase4) out << "[compare] phase-4 detected; finalize results:\n";
    else if (strategy_finalizes)
      out << fmt::format("[compare] strategy '{}' finalized the run ({}); finalize results:\n", result.strategy,
                         result.finalize_category);
    else if (!request.finalize_category.empty())
      out << fmt::format("[compare] finalizing ({}); finalize results:\n", result.finalize_category);
    else out << "[compare] --finalize requested; finalize results:\n";
    out << fmt::format("  - outputs/best/         : {}\n", result.best_action);
    out << fmt::format("  - outputs/final_report.md: {}\n", result.report_action);
    if (result.report_action == "preserved-by-agent-edit")
      out << "    (its marker line was removed, so it counts as edited by hand and was kept; add --force to "
             "regenerate it)\n";
    out << fmt::format("  - outputs/{}  : written\n", kMetricPlotFile);
    out << fmt::format("  - finalize category      : {}\n", result.finalize_category);
  } else if (request.write_best) {
    const BestDirResult written = write_best_dir(outputs_dir, best);
    result.best_action = written.action();
    if (written.written) {
      for (const auto& file : written.copied_json)
        out << fmt::format("[compare] copied {} -> {}\n", file.filename().string(), file.string());
      out << fmt::format("[compare] best iteration artifacts written to {}/\n", (outputs_dir / kBestDir).string());
    } else {
      out << "[compare] no finite-metric iteration: outputs/best/ not written\n";
    }
  }
  return result;
}

}  // namespace qtune::report
