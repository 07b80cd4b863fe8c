// Test pass "test_scale": multiplies every parameter by `factor`. Its option schema
// covers the types `qtune plugins --describe` prints (range, choices, no default).
#include "qtune/sdk.h"

namespace {

class TestScale : public qtune::Pass {
 public:
  static qtune::OptionSchema option_schema() {
    return {
        {"factor", qtune::OptionType::Float, 1.0, 0.0, 10.0, {}, "multiplier applied to every parameter"},
        {"scope", qtune::OptionType::Enum, std::string("weights"), {}, {}, {"weights", "all"}, "which values to scale"},
        {"layers", qtune::OptionType::StringList, {}, {}, {}, {}, "op names to touch (default: all)"},
    };
  }
  qtune::PassStage stage() const override { return qtune::PassStage::PreQuantize; }
  std::string setting_key() const override { return "test_scale"; }
  qtune::PassResult run(qtune::PassContext& context, const qtune::OptionValues& options) override {
    const float factor = static_cast<float>(options.get_float("factor"));
    qtune::PassResult result;
    for (qtune::Variable* v : context.graph().variables()) {
      if (!v->is_parameter || !v->value || v->value->dtype() != qtune::DType::Float32) continue;
      v->value->flat() *= factor;
      result.modified = result.modified || factor != 1.0f;
    }
    return result;
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "test_scale", "0.3.1", "scales every parameter (host test)", TestScale)
