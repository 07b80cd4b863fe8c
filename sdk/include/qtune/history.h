#pragma once
// The iteration history of one run: every outputs/iter_N, read back as the rows the
// search reads. Artifacts on disk are the API between iterations and strategies, so the
// reader, the shared predicates (best, dense ranks, target, plateau, runtime cost) and
// the statistics rule for noisy metrics live here, in the SDK, where the framework's
// compare/report code and every strategy plugin use the same definitions.
//
// The semantics follow the reference comparator (search_state_machine.md §1-2); the
// reference is Python, so a JSON value keeps its JSON kind and the Python predicates
// "numeric" (number or bool, NaN/inf included) and "finite" (number, not bool, finite)
// are kept apart exactly as there.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/config.hpp>
#include <rapidjson/document.h>

namespace qtune {

// ---- Python-like predicates on JSON values (nullptr = key absent) -------------------
bool json_truthy(const rapidjson::Value* value);
bool json_numeric(const rapidjson::Value* value);        // number or bool
bool json_finite(const rapidjson::Value* value);         // number, not bool, finite
double json_number(const rapidjson::Value& value);       // bool -> 0/1
// Member `key` of an object, nullptr when `object` is not an object or lacks the key.
const rapidjson::Value* json_member(const rapidjson::Value* object, const char* key);
// Python `==` between a JSON value and a number (true == 1, 500.0 == 500).
bool json_equals_number(const rapidjson::Value* value, double number);

// ---- Python text forms (hints, templates and reports print Python's repr) ------------
std::string python_float_repr(double value);             // 1e-05, 0.001, 70.0, nan, inf
std::string python_repr(const rapidjson::Value& value);  // 'str', True, None, [1, 'a'], {...}
std::string python_str(const rapidjson::Value* value);   // str(): None, True, 1e-05, text
// json.dumps(value) with Python's default separators (", " and ": "), ASCII-escaped.
std::string python_json_dumps(const rapidjson::Value& value);

// ---- Reading outputs/ --------------------------------------------------------------
// One gathered iteration (§1.2). `json` holds the row as a JSON object with exactly the
// reference's row keys (iteration_id, dir, primary_metric, primary_value,
// metric_direction, elapsed_seconds, rationale, setting, top_5_error_layers, warnings,
// extra_metrics, target_metric, deploy_runtime_priority, non_computing_hot_ops_count,
// graphwise_jumps_count, model_name, target_chip) plus qtune's own: `samples` (the
// evaluated sample count when metrics.json carries one) and `full_eval` (the confirming
// full evaluation of a run, when one was made; see qtune run) and `final_eval` (the full
// evaluation of the best and runner-up made when a run finalizes). It is what
// comparison.json lists under "iterations".
struct BOOST_SYMBOL_VISIBLE IterationRow {
  int id = 0;
  std::filesystem::path dir;
  std::shared_ptr<rapidjson::Document> json;

  const rapidjson::Value& field(const char* key) const;  // null value when absent
  const rapidjson::Value& setting() const;                // {} when absent
  const rapidjson::Value& primary_value() const;
  std::string primary_metric() const;                     // "" when unknown
  std::string metric_direction() const;                   // "max" when unknown
  bool has_finite_value() const { return json_finite(&primary_value()); }
  double value() const { return json_number(primary_value()); }
  std::optional<double> samples() const;
};

using History = std::vector<IterationRow>;

// Every outputs/iter_<N> (N = the directory's number; `iter_x`, `best` ignored), sorted
// by id, directory name breaking ties. A folder with neither iteration_index.json nor
// metrics.json is skipped. Invalid JSON in any file is an InputError naming the file.
// A missing `outputs` is an InputError. Accepts NaN / Infinity tokens.
History load_history(const std::filesystem::path& outputs);

// ---- Shared predicates (§2) --------------------------------------------------------
// Best row: finite values only, direction of the first candidate, ties -> smallest id.
const IterationRow* best_iteration(const History& rows);

struct DenseRanks {
  std::map<int, int> rank;              // id -> dense rank; rows absent here rank "-"
  std::vector<std::string> warnings;    // mixed directions / primary metrics
};
DenseRanks dense_ranks(const History& rows);

// Last row's numeric target_metric, or nullopt.
std::optional<double> target_metric(const History& rows);
// Any row with numeric primary value at or beyond `target` in `direction`.
bool target_reached(const History& rows, std::optional<double> target,
                    const std::string& direction);

struct PlateauRule {
  int window = 3;
  double rel_tol = 0.001;
};
bool plateau(const History& rows, const IterationRow* best, const PlateauRule& rule = {});

// "balanced" | "speed" | "pc_time": the last row's valid deploy_runtime_priority.
std::string runtime_priority(const History& rows);

// §2.3: whether a setting costs on-device speed (int16 promotions, weight split).
struct RuntimeCost {
  bool affects_speed = false;
  std::string label = "No";
  std::vector<std::string> reasons;
};
RuntimeCost runtime_cost(const rapidjson::Value& setting);

// ---- Sampling noise (qtune's rule, docs/search.md) ---------------------------------
// A metric measured on n samples has a standard error; two values whose difference is
// within `sigmas` standard errors of the difference are a tie. For a percentage or a
// fraction metric (top-1 style, value in [0, 100] or [0, 1]) the error is the binomial
// one, sqrt(p (1 - p) / n); without a sample count every difference counts.
struct NoiseRule {
  double sigmas = 1.0;
  bool enabled = true;
};
// Standard error of `row`'s primary value in the metric's units, nullopt when unknown.
std::optional<double> metric_standard_error(const IterationRow& row);
// +1 when a is better than b beyond noise, -1 when worse beyond noise, 0 for a tie.
int compare_beyond_noise(const IterationRow& a, const IterationRow& b,
                         const std::string& direction, const NoiseRule& rule = {});

}  // namespace qtune
