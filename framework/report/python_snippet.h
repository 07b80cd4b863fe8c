#pragma once
// The esp-ppq Python equivalent of a qtune setting (reference §14): the lines that build
// the same QuantizationSetting with `QuantizationSettingFactory.espdl_setting()`, for
// people who still quantize with esp-ppq. Values are printed with Python repr.
#include <string>

#include <rapidjson/document.h>

namespace qtune::report {

// `setting` is a setting.json object; `target_chip` names the platform of the
// dispatching_table entries. Ends with a newline.
std::string python_snippet(const rapidjson::Value& setting, const std::string& target_chip);

}  // namespace qtune::report
