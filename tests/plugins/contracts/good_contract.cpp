// The good test contract: tiny model, random calibration, evaluate and evaluate_fast.
#include "tiny_contract.h"

namespace {

class GoodContract : public tiny::TinyContract {
 public:
  bool has_evaluate_fast() const override { return true; }
  qtune::Metrics evaluate_fast(const qtune::Model& model) override { return evaluate(model); }
};

}  // namespace

QTUNE_CONTRACT("tiny_good", "1.0.0", GoodContract)
