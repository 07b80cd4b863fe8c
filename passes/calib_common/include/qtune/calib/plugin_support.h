#pragma once
// Small helpers shared by the five calibration plugins.
#include <cstdint>
#include <string>

#include "qtune/options.h"

namespace qtune::calib {

// Pass::run() of a calibration plugin: the framework's calibration driver calls
// make_observer() instead, so run() only reports that misuse.
[[noreturn]] void throw_driver_only(const std::string& algorithm);

// Option values with the schema default as fallback (the framework hands complete
// OptionValues; direct callers such as tests may leave options out).
double float_option(const OptionValues& options, const std::string& name, double fallback);
std::int64_t int_option(const OptionValues& options, const std::string& name, std::int64_t fallback);
bool bool_option(const OptionValues& options, const std::string& name, bool fallback);

}  // namespace qtune::calib
