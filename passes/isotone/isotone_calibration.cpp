// Calibration algorithm "isotone" (reference §2.6): an order-preserving scale from the
// top-2 values of every row along `axis`. The scale is NOT a power of two: render()
// returns its exact log2 (ESP-DL export later truncates it).
#include "qtune/calib/observers.h"
#include "qtune/calib/plugin_support.h"
#include "qtune/sdk.h"

namespace {

class IsotoneCalibration final : public qtune::CalibrationAlgorithm {
 public:
  static qtune::OptionSchema option_schema() {
    qtune::OptionSpec axis;
    axis.name = "axis";
    axis.type = qtune::OptionType::Int;
    axis.default_value = std::int64_t{-1};
    axis.min = -8.0;
    axis.max = 7.0;
    axis.doc = "axis whose top-2 values must stay ordered (esp-ppq OBSERVER_ISOTONE_OBSERVER_AXIS, default -1)";
    return {axis};
  }
  qtune::PassResult run(qtune::PassContext&, const qtune::OptionValues&) override {
    qtune::calib::throw_driver_only("isotone");
  }
  std::unique_ptr<qtune::Observer> make_observer(const qtune::TensorQuantConfig& config,
                                                 const qtune::OptionValues& options) const override {
    const auto axis = static_cast<int>(qtune::calib::int_option(options, "axis", -1));
    return std::make_unique<qtune::calib::IsotoneObserver>(config, axis);
  }
};

}  // namespace

QTUNE_PLUGIN("pass", "isotone", "1.0.0", "isotone (order-preserving) calibration; exact, non-power-of-two scale",
             IsotoneCalibration)
