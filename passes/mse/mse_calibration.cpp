// Calibration algorithm "mse" (reference §2.5, esp-ppq's hist-mse): minmax pass, |x|
// histogram pass over 2048 bins, the grid with the least histogram MSE, pow2-ceil.
#include "qtune/calib/mse_search.h"
#include "qtune/calib/observers.h"
#include "qtune/calib/plugin_support.h"
#include "qtune/sdk.h"

namespace {

class MseCalibration final : public qtune::CalibrationAlgorithm {
 public:
  static qtune::OptionSchema option_schema() {
    qtune::OptionSpec fix;
    fix.name = "fix_int16_bins";
    fix.type = qtune::OptionType::Bool;
    fix.default_value = false;
    fix.doc = "false (esp-ppq): 2048 bins for every width, so int16 has one candidate (range 32*absmax, a scale "
              "~32x too coarse); true: 2048*levels/256 bins (524288 for int16), giving int16 the nine "
              "candidates int8 has - a deliberate deviation from esp-ppq";
    return {fix};
  }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override {
    qtune::calib::throw_driver_only("mse");
  }
  std::unique_ptr<qtune::Observer> make_observer(const qtune::TensorQuantConfig& config,
                                                 const qtune::OptionValues& options) const override {
    const bool fix = qtune::calib::bool_option(options, "fix_int16_bins", false);
    const std::int64_t bins = qtune::calib::mse_bins(config.quant_max - config.quant_min + 1, fix);
    return std::make_unique<qtune::calib::HistogramObserver>(config, qtune::calib::HistogramObserver::Search::Mse,
                                                             bins);
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "mse", "1.0.0", "histogram-MSE calibration (two passes, 2048 bins), pow2-ceil; per-tensor",
             MseCalibration)
