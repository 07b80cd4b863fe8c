#pragma once
// Python-flavoured reads of setting.json values that several rules share. The reference
// is Python: `s.get(k, d)` returns d only when the key is absent (a present null stays
// None), `==` treats true as 1 and 500.0 as 500, and a pass block that is not an object
// is read as "disabled" (the reference crashes there; §0 recommends disabled).
#include <string>

#include <rapidjson/document.h>

namespace qtune::search {

using JsonValue = rapidjson::Value;
using JsonAllocator = rapidjson::Document::AllocatorType;

// Python `a == b` (nullptr = None): numbers and bools compare as numbers, strings by
// content, arrays and objects element-wise.
bool python_equals(const JsonValue* a, const JsonValue* b);

// `s.get(key)` when it is an object, else nullptr (the reference's `... or {}`).
const JsonValue* object_block(const JsonValue& setting, const char* key);
// truthy(s[key].enabled) for an object block; false otherwise.
bool block_enabled(const JsonValue& setting, const char* key);
// `s.get(key, default) == number` where an absent key reads as `absent_default`.
bool number_or_default_is(const JsonValue* block, const char* key, double absent_default, double number);
// `s.get(key) == number` (absent -> None, never equal).
bool explicit_number_is(const JsonValue* block, const char* key, double number);

// calib(s) = s.calib_algorithm if truthy else "kl" (Python str of the raw value).
std::string calib_raw(const JsonValue& setting);
// calib(s).lower().
std::string calib_lower(const JsonValue& setting);
std::string ascii_lower(std::string text);

// Deep copy into `allocator`.
JsonValue json_copy(const JsonValue& value, JsonAllocator& allocator);
JsonValue json_string(const std::string& text, JsonAllocator& allocator);
// Compact JSON text, NaN / Infinity written as tokens (hint_json, search_state). Compact
// because Debian's RapidJSON 1.1 PrettyWriter does not compile with kWriteNanAndInfFlag.
std::string compact_json(const JsonValue& value);

}  // namespace qtune::search
