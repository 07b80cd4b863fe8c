// Test strategy "test_stop": always finalizes.
#include "qtune/sdk.h"

namespace {

class TestStop : public qtune::Strategy {
 public:
  qtune::StrategyDecision decide(qtune::StrategyContext&, const qtune::OptionValues&) override {
    qtune::StrategyDecision decision;
    decision.action = qtune::StrategyDecision::Action::Finalize;
    decision.reason = "test strategy always stops";
    return decision;
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "test_stop", "1.0.0", "always finalizes (host test)", TestStop)
