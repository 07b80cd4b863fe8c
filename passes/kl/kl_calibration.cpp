// Calibration algorithm "kl" (reference §2.4, ESP-DL's default for activations): minmax
// pass, |x| histogram pass, KL-divergence threshold search, T/2^(b-1), pow2-nearest.
#include "qtune/calib/kl_search.h"
#include "qtune/calib/observers.h"
#include "qtune/calib/plugin_support.h"
#include "qtune/sdk.h"

namespace {

class KlCalibration final : public qtune::CalibrationAlgorithm {
 public:
  static qtune::OptionSchema option_schema() {
    qtune::OptionSpec bins;
    bins.name = "bins";
    bins.type = qtune::OptionType::Int;
    bins.default_value = std::int64_t{0};
    bins.min = 0.0;
    bins.max = 16777216.0;
    bins.doc = "histogram bins; 0 = 32*2^(bits-1) (4096 int8, 1048576 int16, as EspdlQuantizer sets them); "
               "otherwise a multiple of 2^(bits-1)";
    return {bins};
  }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override {
    qtune::calib::throw_driver_only("kl");
  }
  std::unique_ptr<qtune::Observer> make_observer(const qtune::TensorQuantConfig& config,
                                                 const qtune::OptionValues& options) const override {
    std::int64_t bins = qtune::calib::int_option(options, "bins", 0);
    if (bins <= 0) bins = qtune::calib::kl_default_bins(config.bits);
    return std::make_unique<qtune::calib::HistogramObserver>(config, qtune::calib::HistogramObserver::Search::Kl,
                                                             bins);
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "kl", "1.0.0", "KL-divergence calibration (two passes), pow2-nearest; per-tensor",
             KlCalibration)
