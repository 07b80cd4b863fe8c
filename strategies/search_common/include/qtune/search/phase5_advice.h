#pragma once
// Phase-5 advice: the tunable-parameter advisory (§7.6) and the meta-guidance text
// (§7.7). Prose is ours; the quoted tokens are what agents and tests look for. The
// advice never embeds a setting template: Phase 5 is the agent's (or phased-linear's).
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "qtune/history.h"
#include "qtune/search/constants.h"

namespace qtune::search {

// §7.6: one line per knob that is on in `setting`, "<pass> (current: k=v, ...) ...".
std::vector<std::string> phase5_tunable_params_lines(const rapidjson::Value& setting);

// Trigger reason used when the advice is built outside the state machine.
inline constexpr const char* kPhase5DefaultTrigger = "Phase-3 search exhausted without meeting target";

struct SkippedLever {
  std::string lever;
  std::string reason;
};

// §7.7. `signals` is phase5_signals(rows, best).
std::string phase5_advice(const History& rows, const IterationRow* best, const rapidjson::Value& signals,
                          const std::string& trigger_reason, const std::vector<SkippedLever>& skipped,
                          const SearchConstants& constants);

}  // namespace qtune::search
