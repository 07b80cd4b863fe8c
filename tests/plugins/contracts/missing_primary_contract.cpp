// QUANT_CONFIG without the required key "primary_metric".
#include "tiny_contract.h"

namespace {

class MissingPrimary : public tiny::TinyContract {
 public:
  std::string quant_config() const override { return tiny::config(); }
};

}  // namespace

QTUNE_CONTRACT("missing_primary", "1.0.0", MissingPrimary)
