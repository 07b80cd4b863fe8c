#pragma once
// JSON plumbing of the scenario runner: reading the JSONL with its {"$float": "nan"}
// specials, writing files with NaN / Infinity tokens (as Python does), and matching an
// expectation against what qtune produced (search_state_machine.md §18 semantics).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace qtune::scenarios {

using JsonValue = rapidjson::Value;
using JsonAllocator = rapidjson::Document::AllocatorType;

// Replaces every {"$float": "nan" | "inf" | "-inf"} by that double, in place.
void decode_floats(JsonValue& value);

std::string dump_json(const JsonValue& value);  // NaN / Infinity tokens allowed
void write_text(const std::filesystem::path& path, const std::string& text);
std::optional<std::string> read_text(const std::filesystem::path& path);
// A file value of a scenario: a string is written verbatim, anything else as JSON.
void write_file_value(const std::filesystem::path& path, const JsonValue& value);

// nullopt when `expected` matches `actual`; else the first mismatch, naming `path`.
// Objects: every expected key must match (subset) unless `exact_keys`; arrays: same
// length, element-wise; numbers: +-1e-9 (NaN matches NaN); bools only match bools.
std::optional<std::string> match(const JsonValue& expected, const JsonValue* actual, const std::string& path,
                                 bool exact_keys = false);

// "a.b.c" inside an object; nullptr when a step is missing.
const JsonValue* at_path(const JsonValue& root, const std::string& dotted);

// Strings of a JSON array of strings (other items are skipped).
std::vector<std::string> string_list(const JsonValue* list);

// `text` contains each of `needles` (or, with `negate`, none of them).
std::optional<std::string> check_contains(const std::string& what, const std::string& text, const JsonValue* needles,
                                          bool negate);

}  // namespace qtune::scenarios
