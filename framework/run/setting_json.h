#pragma once
// JSON building blocks shared by the two setting writers (setting.cpp for a Setting as
// given, resolved_setting.cpp for a ResolvedSetting): the same head and tail, the same
// key order, so both files look alike.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "qtune/options.h"

namespace qtune::detail {

void add_member(rapidjson::Document& doc, rapidjson::Value& object, const std::string& key, rapidjson::Value value);
rapidjson::Value option_to_json(const OptionValue& value, rapidjson::Document& doc);
// iteration_id (when set), rationale, calib_algorithm.
void write_common_head(rapidjson::Document& doc, const std::optional<std::int64_t>& iteration_id,
                       const std::string& rationale, const std::string& calib);
// dispatching_table (list of {op, bits}, sorted by op) and extra (an object, {} when empty).
void write_common_tail(rapidjson::Document& doc, const std::map<std::string, int>& table, const std::string& extra);

}  // namespace qtune::detail
