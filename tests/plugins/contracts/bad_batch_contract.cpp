// The calibration loader yields 3 channels where input_shape says 1.
#include "tiny_contract.h"

namespace {

class BadBatch : public tiny::TinyContract {
 public:
  std::unique_ptr<qtune::BatchLoader> calibration_data(const qtune::ContractConfig& c) override {
    return std::make_unique<tiny::RandomLoader>(qtune::Shape{1, 3, 16, 16}, c.batch_size);
  }
};

}  // namespace

QTUNE_CONTRACT("bad_batch", "1.0.0", BadBatch)
