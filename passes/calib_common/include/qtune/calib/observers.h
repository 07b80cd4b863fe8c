#pragma once
// The observers of the five calibration algorithms (reference §2.2-2.6). The plugins only
// parse options and pick one of these; tests drive them directly with tensors.
// For a Linear config (the non-ESP-DL "linear" target) every observer renders its scale
// without the power-of-two rounding (esp-ppq applies it only under POWER_OF_2).
// Each observer is used from one thread (the driver's contract); none shares state.
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "qtune/calib/histogram.h"
#include "qtune/calibration.h"
#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune::calib {

// §2.2: running min/max per tensor (or per channel along config.channel_axis); render:
// §2.1 + pow2-ceil per channel.
class MinMaxObserver final : public Observer {
 public:
  explicit MinMaxObserver(const TensorQuantConfig& config);
  void observe(const Tensor& values) override;
  std::vector<double> render() override;

 private:
  int axis_;
  std::int64_t quant_min_, quant_max_;
  bool linear_;
  bool seen_ = false;
  std::vector<float> min_, max_;
};

// §2.3: per batch the (kmin, kmax)-th order statistics; render: float32 mean over batches
// (torch_column_mean) of each, then §2.1 + pow2-ceil. Per-tensor only.
class PercentileObserver final : public Observer {
 public:
  PercentileObserver(const TensorQuantConfig& config, double percentile);
  void observe(const Tensor& values) override;
  std::vector<double> render() override;

 private:
  double percentile_;
  std::int64_t quant_min_, quant_max_;
  bool linear_;
  std::vector<float> his_, los_;
};

// §2.4 / §2.5: phase 1 min/max, phase 2 the |x| histogram over [0, R] (R = max(|min|, |max|)
// of phase 1, B bins), render: the KL or MSE search. Per-tensor only.
class HistogramObserver final : public Observer {
 public:
  enum class Search { Kl, Mse };
  HistogramObserver(const TensorQuantConfig& config, Search search, std::int64_t bins);
  void observe(const Tensor& values) override;
  bool needs_second_pass() const override { return true; }
  // min/max merge the same way in any order: ±0 ties vanish in max(|min|, |max|), and a
  // batch with no number (all NaN) makes the range NaN whichever batch it is.
  bool first_pass_order_free() const override { return true; }
  void observe_second_pass(const Tensor& values) override;
  std::vector<double> render() override;

  // For tests and reports: the histogram after the second pass (null before).
  const AbsHistogram* histogram() const { return hist_ ? &*hist_ : nullptr; }

 private:
  const char* name() const { return search_ == Search::Kl ? "kl" : "mse"; }
  Search search_;
  int bits_;
  std::int64_t quant_min_, quant_max_, bins_;
  bool linear_;
  bool seen_ = false;
  float min_ = 0.0f, max_ = 0.0f;
  std::optional<AbsHistogram> hist_;
};

// §2.6: top-2 of every row along `axis`; render: the isotone sweep, an exact (non-integer)
// log2 scale. Per-tensor only.
class IsotoneObserver final : public Observer {
 public:
  IsotoneObserver(const TensorQuantConfig& config, int axis);
  void observe(const Tensor& values) override;
  std::vector<double> render() override;

 private:
  int axis_;
  std::int64_t quant_min_, quant_max_;
  std::vector<std::pair<float, float>> rows_;
};

}  // namespace qtune::calib
