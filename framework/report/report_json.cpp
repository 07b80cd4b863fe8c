#include "report/report_json.h"

#include <cmath>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "qtune/history.h"

namespace qtune::report {
namespace {

void append_string(std::string& out, const rapidjson::Value& value) {
  out += '"';
  const char* s = value.GetString();
  for (rapidjson::SizeType i = 0; i < value.GetStringLength(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append_number(std::string& out, const rapidjson::Value& value) {
  if (value.IsInt64()) out += fmt::format("{}", value.GetInt64());
  else if (value.IsUint64()) out += fmt::format("{}", value.GetUint64());
  else {
    const double d = value.GetDouble();
    if (std::isnan(d)) out += "NaN";
    else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
    else out += python_float_repr(d);
  }
}

void append(std::string& out, const rapidjson::Value& value, int indent, int level) {
  auto newline = [&](int l) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * l), ' ');
  };
  if (value.IsNull()) out += "null";
  else if (value.IsBool()) out += value.GetBool() ? "true" : "false";
  else if (value.IsNumber()) append_number(out, value);
  else if (value.IsString()) append_string(out, value);
  else if (value.IsArray()) {
    if (value.Empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& item : value.GetArray()) {
      if (!first) out += indent > 0 ? "," : ", ";
      first = false;
      newline(level + 1);
      append(out, item, indent, level + 1);
    }
    newline(level);
    out += ']';
  } else {
    if (value.MemberCount() == 0) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      if (!first) out += indent > 0 ? "," : ", ";
      first = false;
      newline(level + 1);
      append_string(out, it->name);
      out += ": ";
      append(out, it->value, indent, level + 1);
    }
    newline(level);
    out += '}';
  }
}

}  // namespace

std::string python_json(const rapidjson::Value& value, int indent) {
  std::string out;
  append(out, value, indent, 0);
  return out;
}

void write_json_file(const std::filesystem::path& path, const rapidjson::Value& value) {
  write_file_atomic(path, python_json(value) + "\n");
}

}  // namespace qtune::report
