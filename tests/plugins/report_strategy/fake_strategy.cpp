// Test strategy "report_fake": returns the decision its options describe, so the compare /
// report tests can drive every finalize path without the real strategies.
#include "qtune/sdk.h"

namespace {

class ReportFake : public qtune::Strategy {
 public:
  static qtune::OptionSchema option_schema() {
    using qtune::OptionType;
    return {
        {"action", OptionType::Enum, std::string("await_setting"), {}, {}, {"iterate", "finalize", "await_setting"},
         "the decision's action"},
        {"phase", OptionType::String, std::string("phase-3-residual"), {}, {}, {}, "the decision's phase"},
        {"category", OptionType::String, std::string(""), {}, {}, {}, "finalize_category"},
        {"hint_json", OptionType::String, std::string("{}"), {}, {}, {}, "the decision's hint_json"},
        {"setting_json", OptionType::String, std::string(""), {}, {}, {}, "the next setting (iterate)"},
        {"plateau_window", OptionType::Int, std::int64_t{3}, 1.0, {}, {}, "plateau window"},
        {"plateau_rel_tol", OptionType::Float, 0.001, 0.0, {}, {}, "plateau tolerance"},
        {"fail", OptionType::Bool, false, {}, {}, {}, "throw from decide()"},
    };
  }

  qtune::StrategyDecision decide(qtune::StrategyContext& context, const qtune::OptionValues& options) override {
    if (options.get_bool("fail")) throw std::runtime_error("asked to fail");
    qtune::StrategyDecision d;
    const std::string action = options.get_string("action");
    d.action = action == "iterate"    ? qtune::StrategyDecision::Action::Iterate
               : action == "finalize" ? qtune::StrategyDecision::Action::Finalize
                                      : qtune::StrategyDecision::Action::AwaitSetting;
    d.phase = options.get_string("phase");
    d.finalize_category = options.get_string("category");
    d.hint_json = options.get_string("hint_json");
    d.setting_json = options.get_string("setting_json");
    d.reason = "fake decision on " + std::to_string(context.history().size()) + " rows";
    d.advice = "advice for " + context.config().model_name + " (" + context.config().primary_metric +
               (context.pass_available("dispatching_table") ? ", dispatch built in" : "") + ")";
    return d;
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "report_fake", "1.0.0", "returns the decision its options describe (report tests)", ReportFake)
