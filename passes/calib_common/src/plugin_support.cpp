#include "qtune/calib/plugin_support.h"

#include "qtune/error.h"

namespace qtune::calib {

void throw_driver_only(const std::string& algorithm) {
  throw Error("calibration algorithm '" + algorithm + "' runs through the calibration driver");
}

double float_option(const OptionValues& options, const std::string& name, double fallback) {
  return options.has(name) ? options.get_float(name) : fallback;
}

std::int64_t int_option(const OptionValues& options, const std::string& name, std::int64_t fallback) {
  return options.has(name) ? options.get_int(name) : fallback;
}

bool bool_option(const OptionValues& options, const std::string& name, bool fallback) {
  return options.has(name) ? options.get_bool(name) : fallback;
}

}  // namespace qtune::calib
