#pragma once
// Model: the handle a contract's evaluate() receives. It runs the model as qtune
// currently simulates it (float, or quantized exactly as the chip computes).
#include <span>
#include <string>
#include <vector>

#include <boost/config.hpp>

#include "qtune/batch.h"

namespace qtune {

class BOOST_SYMBOL_VISIBLE Model {
 public:
  virtual ~Model();
  virtual std::vector<std::string> input_names() const = 0;
  virtual std::vector<std::string> output_names() const = 0;
  // Shape of each input as imported; dim 0 is -1 when the model's batch is dynamic
  // (any batch size runs).
  virtual std::vector<Shape> input_shapes() const = 0;
  virtual bool is_quantized() const = 0;
  virtual std::string description() const = 0;   // "float", "esp32p4 int8 (iter_3)", ...

  // One batch -> graph outputs in output order. Thread-safe.
  virtual Batch run(const Batch& inputs) const = 0;
  // Many batches, run in parallel; results in input order.
  virtual std::vector<Batch> run_many(std::span<const Batch> batches) const = 0;
};

}  // namespace qtune
