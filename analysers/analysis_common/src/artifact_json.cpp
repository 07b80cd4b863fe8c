#include "qtune_analysis/artifact_json.h"

#include <cmath>

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "qtune/error.h"

namespace qtune::analysis {
namespace {

// A scalar as compact JSON (rapidjson's shortest round-trip doubles, escaped strings).
std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// json.dump(indent=2): one element per line, ", " -> ",\n", "key": value.
// (rapidjson 1.1's PrettyWriter does not compile with kWriteNanAndInfFlag, hence this.)
void write(const rapidjson::Value& v, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(2 * (depth + 1)), ' ');
  const std::string close_pad(static_cast<std::size_t>(2 * depth), ' ');
  if (v.IsArray()) {
    if (v.Empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      out += pad;
      write(v[i], depth + 1, out);
      out += i + 1 < v.Size() ? ",\n" : "\n";
    }
    out += close_pad + "]";
  } else if (v.IsObject()) {
    if (v.MemberCount() == 0) {
      out += "{}";
      return;
    }
    out += "{\n";
    rapidjson::SizeType i = 0;
    for (const auto& m : v.GetObject()) {
      out += pad + scalar_text(m.name) + ": ";
      write(m.value, depth + 1, out);
      out += ++i < v.MemberCount() ? ",\n" : "\n";
    }
    out += close_pad + "}";
  } else {
    out += scalar_text(v);
  }
}

}  // namespace

std::string artifact_text(const rapidjson::Value& value) {
  std::string out;
  write(value, 0, out);
  return out + "\n";
}

rapidjson::Document parse_artifact(std::string_view text, const std::string& name) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNanAndInfFlag>(text.data(), text.size());
  if (doc.HasParseError())
    throw Error(fmt::format("{}: invalid JSON at offset {}: {}", name, doc.GetErrorOffset(),
                            rapidjson::GetParseError_En(doc.GetParseError())));
  return doc;
}

}  // namespace qtune::analysis
