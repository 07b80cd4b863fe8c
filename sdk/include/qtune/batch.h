#pragma once
// Batches of model inputs, and the loader a contract hands qtune for calibration.
#include <cstddef>
#include <optional>
#include <vector>

#include <boost/config.hpp>

#include "qtune/tensor.h"

namespace qtune {

// One tensor per graph input, in graph-input order; dim 0 is the batch.
using Batch = std::vector<Tensor>;

class BOOST_SYMBOL_VISIBLE BatchLoader {
 public:
  virtual ~BatchLoader();
  // The next batch, or nullopt at the end of an epoch.
  virtual std::optional<Batch> next() = 0;
  // Start a new epoch from the first batch (calibration may need several epochs).
  virtual void reset() = 0;
  // Batches per epoch when known.
  virtual std::optional<std::size_t> size() const { return std::nullopt; }
};

}  // namespace qtune
