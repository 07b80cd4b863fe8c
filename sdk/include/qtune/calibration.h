#pragma once
// Calibration algorithms (minmax, percentile, kl, mse, isotone) are plugins of kind "pass"
// whose class derives CalibrationAlgorithm. The framework's calibration driver walks the
// graph and the calibration batches; for every tensor to calibrate it asks the algorithm
// named by that tensor's TensorQuantConfig::observer for an Observer, feeds it the values
// (one call per batch), and writes the rendered exponent(s) back into the config.
//
// Protocol, as the reference runs it (reference §2.7): every observer sees the
// calib_steps batches once (observe); observers whose needs_second_pass() is true then
// see the same batches again (observe_second_pass, after every one-pass observer has
// rendered and its config is applied); then render() gives the exponents. The first pass
// feeds batches in batch order, unless every observer of the calibration says its
// first-pass result does not depend on the order (first_pass_order_free(): kl's and mse's
// min/max, whose ±0 ties vanish in max(|min|, |max|)); then, like the second pass, it
// feeds each batch once in no fixed order. The second pass always does (its batches may
// run concurrently; one observer is never called concurrently), so a second-pass statistic
// must not depend on the order (the histograms' integer counts do not).
#include <memory>
#include <string>
#include <vector>

#include "qtune/pass.h"
#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune {

class BOOST_SYMBOL_VISIBLE Observer {
 public:
  virtual ~Observer();
  // One batch of the tensor's values, as the op sees them (whole batch, any shape).
  virtual void observe(const Tensor& values) = 0;
  virtual bool needs_second_pass() const { return false; }
  // True when what observe() accumulates ends up the same whatever the batch order.
  virtual bool first_pass_order_free() const { return false; }
  virtual void observe_second_pass(const Tensor& values);
  // log2(scale) per channel (one entry when per-tensor). POWER_OF_2 configs get integers;
  // an algorithm that yields a non-power-of-two scale (isotone) returns the exact log2, and
  // every algorithm returns the exact log2 of its scale, without power-of-two rounding, for a
  // Linear config (TensorQuantConfig::linear(), the "linear" target).
  virtual std::vector<double> render() = 0;
};

class BOOST_SYMBOL_VISIBLE CalibrationAlgorithm : public Pass {
 public:
  ~CalibrationAlgorithm() override;
  PassStage stage() const override { return PassStage::Calibration; }
  std::string setting_key() const override { return ""; }  // selected by calib_algorithm
  // An observer for one tensor quantized as `config` (bits, range, per-channel axis).
  // Throws qtune::Error when the algorithm cannot serve that config (e.g. kl per-channel).
  virtual std::unique_ptr<Observer> make_observer(const TensorQuantConfig& config,
                                                  const OptionValues& options) const = 0;
};

}  // namespace qtune
