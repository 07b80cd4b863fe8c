#pragma once
// JSON text the way the reference's Python writes it (json.dumps(indent=2,
// ensure_ascii=False, allow_nan=True)): keys in insertion order, floats in Python repr
// (1e-05, 70.0), ints as ints, NaN / Infinity / -Infinity tokens, non-ASCII kept. Used
// for comparison.json and the setting shown in final_report.md, so both read like the
// files a person already knows from the Python workflow.
#include <filesystem>
#include <string>

#include <rapidjson/document.h>

namespace qtune::report {

// Pretty text, `indent` spaces per level (0: one line with ", " and ": " separators).
std::string python_json(const rapidjson::Value& value, int indent = 2);

// Writes python_json(value) + "\n" to `path` atomically (temp file + rename).
void write_json_file(const std::filesystem::path& path, const rapidjson::Value& value);

}  // namespace qtune::report
