// QUANT_CONFIG with "batch_size": "32" (a string, not an integer).
#include "tiny_contract.h"

namespace {

class WrongType : public tiny::TinyContract {
 public:
  std::string quant_config() const override { return tiny::config(R"(, "primary_metric": "top1")", R"("32")"); }
};

}  // namespace

QTUNE_CONTRACT("wrong_type", "1.0.0", WrongType)
