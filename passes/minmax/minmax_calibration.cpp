// Calibration algorithm "minmax" (reference §2.2): running min/max, per tensor or per
// channel along TensorQuantConfig::channel_axis; scale 2·absmax/(qmax−qmin), pow2-ceil.
#include "qtune/calib/observers.h"
#include "qtune/calib/plugin_support.h"
#include "qtune/sdk.h"

namespace {

class MinMaxCalibration final : public qtune::CalibrationAlgorithm {
 public:
  static qtune::OptionSchema option_schema() { return {}; }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override {
    qtune::calib::throw_driver_only("minmax");
  }
  std::unique_ptr<qtune::Observer> make_observer(const qtune::TensorQuantConfig& config,
                                                 const qtune::OptionValues&) const override {
    return std::make_unique<qtune::calib::MinMaxObserver>(config);
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "minmax", "1.0.0", "minmax calibration: 2*absmax/(qmax-qmin), pow2-ceil; per-tensor or per-channel",
             MinMaxCalibration)
