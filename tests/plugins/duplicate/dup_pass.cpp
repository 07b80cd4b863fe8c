// Pass "dup_pass", built twice with different DUP_PASS_VERSION: two libraries claiming
// one (kind, name), which the host must refuse naming both files and versions.
#include "qtune/sdk.h"

namespace {

class DupPass : public qtune::Pass {
 public:
  qtune::PassStage stage() const override { return qtune::PassStage::Finalize; }
  std::string setting_key() const override { return "dup_pass"; }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override { return {}; }
};

}  // namespace

QTUNE_PLUGIN("pass", "dup_pass", DUP_PASS_VERSION, "duplicate registration (host test)", DupPass)
