// evaluate() returns NaN for its primary metric.
#include <limits>

#include "tiny_contract.h"

namespace {

class NanMetric : public tiny::TinyContract {
 public:
  qtune::Metrics evaluate(const qtune::Model&) override {
    return {{"top1", std::numeric_limits<double>::quiet_NaN()}};
  }
};

}  // namespace

QTUNE_CONTRACT("nan_metric", "1.0.0", NanMetric)
