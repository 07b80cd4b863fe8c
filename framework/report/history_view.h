#pragma once
// How the report and the stdout table show the rows of a history: value text, the
// baseline, deltas, outcome labels (reference §9), the rationale's first line, where a
// metric came from (evaluate / evaluate_fast, sample count, standard error), and the
// run's model / chip names. Pure functions of the rows (plus each row's metrics.json for
// the evaluation source, which the rows do not carry).
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "qtune/history.h"

namespace qtune::report {

// §11 fmt(v): bool -> True/False, finite number -> %.4f, else Python str (nan, inf,
// None, the text). nullptr = None.
std::string format_value(const rapidjson::Value* value);
// "+0.1234" / "-0.1234" (Python's {:+.4f}).
std::string signed4(double value);

// Direction of the history table and the ranks: the first finite row's, "max" if none.
std::string table_direction(const History& rows);
// iter_0's value when it is finite.
std::optional<double> baseline_value(const History& rows);
// `value` - baseline, nullopt when either is not finite.
std::optional<double> delta_vs_baseline(const IterationRow& row, const History& rows);
// "↑" when `delta` is in the good direction, "=" when zero, "↓" otherwise.
const char* delta_arrow(double delta, const std::string& direction);

// §9: baseline | failed | best | no change | improvement | regression.
std::string outcome_label(const IterationRow& row, const History& rows, const IterationRow* best);

// First non-blank line of the rationale, stripped, cut to `max_chars` code points
// (max_chars-1 + "…"); "-" when there is none.
std::string rationale_line(const IterationRow& row, std::size_t max_chars);

// Where a row's metric came from.
struct EvalSource {
  std::string used;                      // "evaluate", "evaluate_fast", "failed", "" unknown
  std::optional<double> samples;         // evaluated samples, when known
  std::optional<double> standard_error;  // of the primary value, when known
};
EvalSource eval_source(const IterationRow& row);
// "evaluate_fast, n=200" / "evaluate" / "-".
std::string eval_source_text(const EvalSource& source);
// "70.8000" or "70.8000 ± 3.2113" when the standard error is known.
std::string value_with_error(const IterationRow& row);

// A row's confirming full evaluation (qtune run writes `full_eval` {primary_value,
// samples} after a target is reached on evaluate_fast).
struct FullEval {
  double value = 0;
  std::optional<double> samples;
  std::optional<double> standard_error;
};
std::optional<FullEval> full_eval(const IterationRow& row);
// "70.2500 ± 2.2900 (n=400)".
std::string full_eval_text(const FullEval& eval);

// Latest non-empty model_name / target_chip of the rows, else "<model>" / "<target>".
std::string model_name_of(const History& rows);
std::string target_chip_of(const History& rows);
// best.primary_metric, else the first row's, else "".
std::string primary_metric_of(const History& rows, const IterationRow* best);

// The best row's runner-up: the next row in rank order (finite values, best's direction,
// ties by id), nullptr when there is none.
const IterationRow* runner_up(const History& rows, const IterationRow* best);

}  // namespace qtune::report
