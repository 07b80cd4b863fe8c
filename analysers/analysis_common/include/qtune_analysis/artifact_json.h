#pragma once
// JSON text of the analyser artifacts, as the reference's harness writes them
// (json.dump(indent=2)): pretty, two-space indent, one array element per line; NaN and
// +-Infinity written as the tokens Python writes (the strategy's reader accepts them).
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace qtune::analysis {

std::string artifact_text(const rapidjson::Value& value);

// Parses an artifact (NaN / Infinity accepted); qtune::Error naming `name` on bad JSON.
rapidjson::Document parse_artifact(std::string_view text, const std::string& name);

// A string value copied into `doc`'s allocator.
inline rapidjson::Value json_string(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace qtune::analysis
