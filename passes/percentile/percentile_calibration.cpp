// Calibration algorithm "percentile" (reference §2.3): per batch the kmin-th and kmax-th
// order statistics of the whole batch, mean over batches, then §2.1 + pow2-ceil.
#include "qtune/calib/observers.h"
#include "qtune/calib/order_statistics.h"
#include "qtune/calib/plugin_support.h"
#include "qtune/sdk.h"

namespace {

class PercentileCalibration final : public qtune::CalibrationAlgorithm {
 public:
  static qtune::OptionSchema option_schema() {
    qtune::OptionSpec p;
    p.name = "percentile";
    p.type = qtune::OptionType::Float;
    p.default_value = qtune::calib::kDefaultPercentile;
    p.min = 0.5;
    p.max = 1.0;
    p.doc = "upper percentile p: lo/hi are the int(n*(1-p))+1-th and min(int(n*p), n-1)+1-th smallest "
            "values of each batch (esp-ppq OBSERVER_PERCENTILE, 0.9999)";
    return {p};
  }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override {
    qtune::calib::throw_driver_only("percentile");
  }
  std::unique_ptr<qtune::Observer> make_observer(const qtune::TensorQuantConfig& config,
                                                 const qtune::OptionValues& options) const override {
    const double p = qtune::calib::float_option(options, "percentile", qtune::calib::kDefaultPercentile);
    return std::make_unique<qtune::calib::PercentileObserver>(config, p);
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "percentile", "1.0.0",
             "percentile calibration: mean over batches of the 0.9999 order statistics, pow2-ceil; per-tensor",
             PercentileCalibration)
