// evaluate() returns metrics without the configured primary_metric ("top1").
#include "tiny_contract.h"

namespace {

class MetricMissing : public tiny::TinyContract {
 public:
  qtune::Metrics evaluate(const qtune::Model&) override { return {{"accuracy", 0.5}, {"loss", 1.25}}; }
};

}  // namespace

QTUNE_CONTRACT("metric_missing", "1.0.0", MetricMissing)
