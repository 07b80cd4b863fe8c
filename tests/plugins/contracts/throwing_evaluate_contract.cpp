// evaluate() throws, as a contract whose label file is missing would.
#include <stdexcept>

#include "tiny_contract.h"

namespace {

class ThrowingEvaluate : public tiny::TinyContract {
 public:
  qtune::Metrics evaluate(const qtune::Model&) override { throw std::runtime_error("labels.txt not found"); }
};

}  // namespace

QTUNE_CONTRACT("throwing_evaluate", "1.0.0", ThrowingEvaluate)
