// Test strategy "test_stop": always finalizes.
#include "qtune/sdk.h"

namespace {

class TestStop : public qtune::Strategy {
 public:
  qtune::StrategyDecision decide(qtune::StrategyContext&, const qtune::OptionValues&) override {
    return {qtune::StrategyDecision::Action::Finalize, "", "test strategy always stops"};
  }
};

}  // namespace

QTUNE_PLUGIN("strategy", "test_stop", "1.0.0", "always finalizes (host test)", TestStop)
