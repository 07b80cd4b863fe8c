#pragma once
// The artifacts the reference's harness derives from the three analysers
// (espdl-quantize scripts/analysis_helpers.py and run_iteration.py; reference §4 and
// search_state_machine.md §1.3), with its exact keys, order and edge cases:
//   layer_stats.json          statistical records of the top-K layerwise ops, in rank order
//   non_computing_hot_ops.json  non-COMPUTING_OP ops ranked by their worst variable's ratio
//   graphwise_jumps.json      adjacent computing ops whose cumulative error grows by more than
//                             the downstream op's isolated error
// Inputs are the parsed artifacts, so the rules hold whoever wrote them. "Numeric" is
// Python's isinstance(v, (int, float)): JSON numbers and booleans; sorts are stable.
#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace qtune::analysis {

struct OpEntry {
  std::string name, type;
};

// The first `k` keys of a {op: value} object in file order (Python's keys()[:k], so a
// negative k drops the last -k).
std::vector<std::string> first_keys(const rapidjson::Value& object, std::int64_t k);

// filter_layer_stats_for: records whose "Op name" is in `ops`, ordered by its position
// there (records of one op keep their order).
rapidjson::Document filter_layer_stats(const rapidjson::Value& records, const std::vector<std::string>& ops);

// aggregate_non_computing_hot_ops: per non-COMPUTING_OP op {op_name, op_type, max_snr,
// per_var_snrs [{var, is_input, is_output, is_parameter, snr}], inputs_float_std_ratio},
// the ratio being max/max(min, 1e-9) of "Float Std" over non-parameter inputs (null with
// fewer than two); sorted by max_snr descending, first `top_k` (none when top_k <= 0).
rapidjson::Document non_computing_hot_ops(const rapidjson::Value& records, std::int64_t top_k);

// compute_graphwise_jumps over `ops` (the simplified graph's order): for consecutive
// computing ops (prev, next) with all three values numeric, excess = (gw[next] - gw[prev])
// - lw[next]; listed when excess > threshold with the non-computing ops between them;
// sorted by intervening_excess descending.
rapidjson::Document graphwise_jumps(const rapidjson::Value& layerwise, const rapidjson::Value& graphwise,
                                    const std::vector<OpEntry>& ops, double threshold);

}  // namespace qtune::analysis
