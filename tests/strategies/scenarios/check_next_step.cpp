// kind next_step: the agent-hint plugin, loaded and run through the framework's strategy
// host as `qtune compare` runs it, decides on the materialised outputs/; its search_state
// (the §19 oracle fields) and advice are matched against the expectation.
#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/search/constants.h"
#include "scenario_checks.h"

namespace qtune::scenarios {

namespace {

// The reference's constant_overrides as the plugin's option assignments.
RawOptions plugin_options(const JsonValue& scenario) {
  RawOptions options;
  const auto it = scenario.FindMember("constant_overrides");
  if (it == scenario.MemberEnd()) return options;
  for (const auto& m : it->value.GetObject()) {
    const auto name = search::constant_option_name(m.name.GetString());
    if (!name) throw std::runtime_error(fmt::format("constant_overrides: unknown constant '{}'", m.name.GetString()));
    options[*name] = m.value.IsInt64() ? std::to_string(m.value.GetInt64()) : fmt::format("{}", m.value.GetDouble());
  }
  return options;
}

class QuietLog final : public Log {
 public:
  void info(std::string_view) override {}
  void warn(std::string_view) override {}
  void progress(std::string_view, long, long) override {}
};

Outcome check_skip_reasons(const JsonValue& expected, const JsonValue& state) {
  const JsonValue* skipped = at_path(state, "skipped_levers");
  for (const auto& lever : expected.GetObject()) {
    std::string reason;
    bool found = false;
    if (skipped != nullptr && skipped->IsArray())
      for (const auto& s : skipped->GetArray())
        if (s.IsObject() && s.HasMember("lever") && std::string(s["lever"].GetString()) == lever.name.GetString()) {
          reason = s["reason"].GetString();
          found = true;
        }
    if (!found) return fmt::format("skip_reason_contains: lever {} was not skipped", lever.name.GetString());
    if (auto m = check_contains(fmt::format("skip reason of {}", lever.name.GetString()), reason, &lever.value, false))
      return m;
  }
  return std::nullopt;
}

}  // namespace

Outcome run_next_step(const JsonValue& scenario, const std::filesystem::path& work, const RunnerConfig& config,
                      const StrategyHost& host) {
  const std::filesystem::path outputs = materialise(scenario, work);
  const OptionValues options = host.options(config.strategy, plugin_options(scenario));
  QuietLog log;
  const StrategyDecision decision = host.decide(config.strategy, outputs, options, -1, nullptr, log);

  rapidjson::Document hint;
  hint.Parse<rapidjson::kParseNanAndInfFlag>(decision.hint_json.c_str(), decision.hint_json.size());
  if (hint.HasParseError() || !hint.IsObject() || !hint.HasMember("search_state"))
    return "the strategy's hint_json has no search_state object";
  const JsonValue& state = hint["search_state"];
  const std::string phase5_advice = state.HasMember("phase5_advice") && state["phase5_advice"].IsString()
                                        ? state["phase5_advice"].GetString()
                                        : "";
  if (decision.phase != state["phase"].GetString()) return "decision.phase differs from search_state.phase";

  for (const auto& e : scenario["expect"].GetObject()) {
    const std::string key = e.name.GetString();
    Outcome failure;
    if (key == "hint_contains" || key == "hint_not_contains")
      failure = check_contains("advice", decision.advice, &e.value, key == "hint_not_contains");
    else if (key == "phase5_hint_contains" || key == "phase5_hint_not_contains")
      failure = check_contains("phase5 advice", phase5_advice, &e.value, key == "phase5_hint_not_contains");
    else if (key == "skip_reason_contains")
      failure = check_skip_reasons(e.value, state);
    else if (key == "ranking_warnings_contains") {
      std::string all;
      for (const std::string& w : string_list(at_path(state, "ranking_warnings"))) all += w + "\n";
      failure = check_contains("ranking_warnings", all, &e.value, false);
    } else if (key == "r8") {
      const JsonValue* r8 = at_path(state, "r8");
      if (e.value.HasMember("fires")) failure = match(e.value["fires"], at_path(state, "r8.fires"), "r8.fires");
      if (!failure && e.value.HasMember("reason_contains") && r8 != nullptr)
        failure = check_contains("r8.reason", at_path(state, "r8.reason")->GetString(), &e.value["reason_contains"],
                                 false);
    } else {
      const JsonValue* actual = at_path(state, key);
      if (actual == nullptr) failure = fmt::format("unknown expectation key '{}' (not in search_state)", key);
      else failure = match(e.value, actual, key, /*exact_keys=*/key == "ranks");
    }
    if (failure) return failure;
  }
  return std::nullopt;
}

}  // namespace qtune::scenarios
