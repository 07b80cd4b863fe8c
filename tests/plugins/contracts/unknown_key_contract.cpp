// QUANT_CONFIG with a misspelt key ("calib_step").
#include "tiny_contract.h"

namespace {

class UnknownKey : public tiny::TinyContract {
 public:
  std::string quant_config() const override { return tiny::config(R"(, "primary_metric": "top1", "calib_step": 4)"); }
};

}  // namespace

QTUNE_CONTRACT("unknown_key", "1.0.0", UnknownKey)
