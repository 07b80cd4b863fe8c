#pragma once
// Small RapidJSON helpers shared by the framework's readers and writers: parse a text
// with an error that names its source, and render a value back as compact JSON text.
#include <string>

#include <rapidjson/document.h>

namespace qtune {

// Parses `text`; InputError "<source>: invalid JSON at offset N: <reason>" on failure.
rapidjson::Document parse_json(const std::string& text, const std::string& source);

// Compact JSON text of one value (for messages: `got "32"`) or pretty-printed.
std::string json_text(const rapidjson::Value& value);
std::string json_pretty(const rapidjson::Value& value);

// Short name of a value's JSON type: "string", "integer", "number", "array", ...
const char* json_type_name(const rapidjson::Value& value);

}  // namespace qtune
