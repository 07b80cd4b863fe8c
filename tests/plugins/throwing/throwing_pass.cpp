// Pass "throwing_pass": its constructor throws, so the host's create() must report it
// naming the plugin instead of letting the exception escape unexplained.
#include <stdexcept>

#include "qtune/sdk.h"

namespace {

class ThrowingPass : public qtune::Pass {
 public:
  ThrowingPass() { throw std::runtime_error("missing lookup table"); }
  qtune::PassStage stage() const override { return qtune::PassStage::Finalize; }
  std::string setting_key() const override { return "throwing_pass"; }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override { return {}; }
};

}  // namespace

QTUNE_PLUGIN("pass", "throwing_pass", "1.0.0", "constructor throws (host test)", ThrowingPass)
