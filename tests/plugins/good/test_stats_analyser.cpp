// Test analyser "test_stats": counts ops into one artifact.
#include "qtune/sdk.h"

namespace {

class TestStats : public qtune::Analyser {
 public:
  void analyse(qtune::AnalysisContext& context, const qtune::OptionValues&) override {
    context.log().info("test_stats: " + std::to_string(context.graph().op_count()) + " ops");
  }
};

}  // namespace

QTUNE_PLUGIN("analyser", "test_stats", "1.0.0", "logs the op count (host test)", TestStats)
