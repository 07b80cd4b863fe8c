#include "qtune/calib/observers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "qtune/calib/isotone_search.h"
#include "qtune/calib/kl_search.h"
#include "qtune/calib/mse_search.h"
#include "qtune/calib/order_statistics.h"
#include "qtune/calib/scale.h"
#include "qtune/calib/tensor_values.h"
#include "qtune/error.h"

namespace qtune::calib {

namespace {
void check_range(const TensorQuantConfig& config, const char* who) {
  if (config.quant_max <= config.quant_min)
    throw Error(std::string(who) + ": quant range [" + std::to_string(config.quant_min) + ", " +
                std::to_string(config.quant_max) + "] is empty");
}

// torch's value.min() / value.max() of one batch (NaNs skipped).
std::pair<float, float> batch_min_max(std::span<const float> v) {
  const MinMax m = nan_skipping_min_max(v);
  return {m.min, m.max};
}
}  // namespace

// ---- minmax ----------------------------------------------------------------------------

MinMaxObserver::MinMaxObserver(const TensorQuantConfig& config)
    : axis_(config.channel_axis), quant_min_(config.quant_min), quant_max_(config.quant_max), linear_(config.linear()) {
  check_range(config, "minmax");
}

void MinMaxObserver::observe(const Tensor& values) {
  if (axis_ >= 0) {
    ChannelRange r = channel_min_max(values, axis_);
    if (!seen_) {
      min_ = std::move(r.min);
      max_ = std::move(r.max);
    } else {
      if (r.min.size() != min_.size())
        throw Error("minmax: channel axis " + std::to_string(axis_) + " has " + std::to_string(r.min.size()) +
                    " channels in this batch, " + std::to_string(min_.size()) + " before (shape " +
                    shape_str(values.shape()) + ")");
      for (std::size_t c = 0; c < min_.size(); ++c) {
        min_[c] = std::min(min_[c], r.min[c]);
        max_[c] = std::max(max_[c], r.max[c]);
      }
    }
  } else {
    FloatValues fv(values, "minmax");
    const auto [lo, hi] = batch_min_max(fv.span());
    if (!seen_) {
      min_ = {lo};
      max_ = {hi};
    } else {
      min_[0] = std::min(min_[0], lo);
      max_[0] = std::max(max_[0], hi);
    }
  }
  seen_ = true;
}

std::vector<double> MinMaxObserver::render() {
  if (!seen_) throw Error("minmax: render() before any observe()");
  std::vector<double> exponents;
  exponents.reserve(min_.size());
  for (std::size_t c = 0; c < min_.size(); ++c)
    exponents.push_back(
        rendered_log2(minmax_to_scale(min_[c], max_[c], quant_min_, quant_max_), linear_, pow2_ceil_exponent));
  return exponents;
}

// ---- percentile ------------------------------------------------------------------------

PercentileObserver::PercentileObserver(const TensorQuantConfig& config, double percentile)
    : percentile_(percentile), quant_min_(config.quant_min), quant_max_(config.quant_max), linear_(config.linear()) {
  check_range(config, "percentile");
  if (config.per_channel()) throw Error("percentile: per-channel configs are not supported (as in esp-ppq)");
  if (!(percentile > 0.0 && percentile <= 1.0))
    throw Error("percentile: option 'percentile' = " + std::to_string(percentile) + " is outside (0, 1]");
}

void PercentileObserver::observe(const Tensor& values) {
  FloatValues fv(values, "percentile");
  const PercentileBounds b = percentile_bounds(fv.span(), percentile_);
  his_.push_back(b.hi);
  los_.push_back(b.lo);
}

std::vector<double> PercentileObserver::render() {
  if (his_.empty()) throw Error("percentile: render() before any observe()");
  const float hi = torch_column_mean(his_);
  const float lo = torch_column_mean(los_);
  return {rendered_log2(minmax_to_scale(lo, hi, quant_min_, quant_max_), linear_, pow2_ceil_exponent)};
}

// ---- kl / mse --------------------------------------------------------------------------

HistogramObserver::HistogramObserver(const TensorQuantConfig& config, Search search, std::int64_t bins)
    : search_(search), bits_(config.bits), quant_min_(config.quant_min), quant_max_(config.quant_max), bins_(bins),
      linear_(config.linear()) {
  check_range(config, name());
  if (config.per_channel())
    throw Error(std::string(name()) + ": per-channel configs are not supported (channel_axis " +
                std::to_string(config.channel_axis) + "; esp-ppq's histogram observers are per-tensor only)");
  if (bins <= 0) throw Error(std::string(name()) + ": histogram bins " + std::to_string(bins) + " must be positive");
  if (search == Search::Kl) {
    const std::int64_t qb = kl_default_bins(bits_) / 32;  // validates bits
    if (bins % qb != 0)
      throw Error("kl: histogram bins " + std::to_string(bins) + " must be a multiple of 2^(bits-1) = " +
                  std::to_string(qb));
  }
}

void HistogramObserver::observe(const Tensor& values) {
  if (hist_) throw Error(std::string(name()) + ": observe() after the second pass started");
  FloatValues fv(values, name());
  const auto [lo, hi] = batch_min_max(fv.span());
  // NaN (a batch with no number) propagates, so the merge does not depend on batch order.
  auto merge = [](float a, float b, bool low) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<float>::quiet_NaN();
    return low ? std::min(a, b) : std::max(a, b);
  };
  min_ = seen_ ? merge(min_, lo, true) : lo;
  max_ = seen_ ? merge(max_, hi, false) : hi;
  seen_ = true;
}

void HistogramObserver::observe_second_pass(const Tensor& values) {
  if (!hist_) {
    if (!seen_) throw Error(std::string(name()) + ": second pass before any first-pass observe()");
    // Phase-1 render: R = max(|min|, |max|), hist_scale = R / B (double, as in Python).
    const double range = std::max(std::fabs(static_cast<double>(max_)), std::fabs(static_cast<double>(min_)));
    if (!std::isfinite(range))
      throw Error(std::string(name()) + ": the first pass found no finite range (min " + std::to_string(min_) +
                  ", max " + std::to_string(max_) + "): the values hold NaN or infinity");
    hist_.emplace(bins_, range / static_cast<double>(bins_));
  }
  FloatValues fv(values, name());
  hist_->add(fv.span());
}

std::vector<double> HistogramObserver::render() {
  if (!hist_)
    throw Error(std::string(name()) + ": render() before the second pass (the observer needs both passes)");
  if (search_ == Search::Kl) {
    const KlSearch s = kl_search(hist_->counts(), bits_);
    const double scale = kl_scale(s.best_bins, bins_, hist_->hist_scale(), bits_, kMinScale);
    return {rendered_log2(scale, linear_, pow2_nearest_exponent)};
  }
  const MseSearch s = mse_search(hist_->counts(), quant_max_ - quant_min_ + 1);
  const double range = static_cast<double>(s.best_end) * hist_->hist_scale();
  return {rendered_log2(minmax_to_scale(-range, range, quant_min_, quant_max_), linear_, pow2_ceil_exponent)};
}

// ---- isotone ---------------------------------------------------------------------------

IsotoneObserver::IsotoneObserver(const TensorQuantConfig& config, int axis)
    : axis_(axis), quant_min_(config.quant_min), quant_max_(config.quant_max) {
  check_range(config, "isotone");
  if (config.per_channel()) throw Error("isotone: per-channel configs are not supported (as in esp-ppq)");
}

void IsotoneObserver::observe(const Tensor& values) {
  std::vector<std::pair<float, float>> rows;
  if (values.rank() <= 1) {
    // A 1-D tensor is one row (esp-ppq: topk over the only axis, then unsqueeze).
    rows = top2_rows(values.rank() == 0 ? values.reshaped({1}) : values, -1);
  } else {
    rows = top2_rows(values, axis_);
  }
  rows_.insert(rows_.end(), rows.begin(), rows.end());
}

std::vector<double> IsotoneObserver::render() {
  return {isotone_search(rows_, quant_min_, quant_max_, kMinScale).log2_scale};
}

}  // namespace qtune::calib
