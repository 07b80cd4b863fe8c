#pragma once
// Setting templates embedded in the hint (search_state_machine.md §6). Printed as
// one-line JSON with Python's separators and float repr (`1e-05`, `0.0`; ints stay ints)
// so an agent can paste them; a Phase-3 snippet is deep-merged onto best's setting.json.
#include <string>

#include <rapidjson/document.h>

#include "qtune/history.h"

namespace qtune::search {

// §6.1: calibration `calib` with TQT at the default schedule.
rapidjson::Document phase2_template(int next_id, const std::string& calib);
// §6.2: {"iteration_id", "rationale": "<FILL: ...>"} + the lever's snippet (TQT values
// from best's block for 3a-x). An unknown lever yields no snippet.
rapidjson::Document phase3_template(const std::string& lever, int next_id, const IterationRow* best);
// One-line JSON (Python json.dumps).
std::string render_template(const rapidjson::Value& template_json);

// The FILL placeholder of the rationale (tests and agents look for "<FILL:").
inline constexpr const char* kRationaleFill =
    "<FILL: cite the specific layerwise / non_computing_hot_ops / graphwise_jumps observation driving this change>";

}  // namespace qtune::search
