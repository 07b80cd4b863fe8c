// quant_config() throws.
#include <stdexcept>

#include "tiny_contract.h"

namespace {

class ThrowingConfig : public tiny::TinyContract {
 public:
  std::string quant_config() const override { throw std::runtime_error("config.yaml unreadable"); }
};

}  // namespace

QTUNE_CONTRACT("throwing_config", "1.0.0", ThrowingConfig)
