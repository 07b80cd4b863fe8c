// Python's text forms of JSON values: the reference comparator prints floats with repr()
// and templates with json.dumps(), and agents grep for those exact strings ("lr": 1e-05).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "qtune/history.h"

namespace qtune {
namespace {

// Shortest round-trip digits and decimal exponent of a finite, non-zero |value|.
void shortest_digits(double value, std::string& digits, int& exponent) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string text(buffer, result.ptr);  // "d.ddde±XX"
  const auto e = text.find('e');
  digits.clear();
  for (std::size_t i = 0; i < e; ++i)
    if (text[i] != '.') digits += text[i];
  exponent = std::stoi(text.substr(e + 1));
}

void append_escaped_ascii(std::string& out, const std::string& text) {
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20 || c >= 0x80) {
      // Decode one UTF-8 sequence and write \uXXXX (surrogate pairs above the BMP).
      unsigned code = c;
      int extra = 0;
      if (c >= 0xF0) code = c & 0x07, extra = 3;
      else if (c >= 0xE0) code = c & 0x0F, extra = 2;
      else if (c >= 0xC0) code = c & 0x1F, extra = 1;
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) code = (code << 6) | (text[++i] & 0x3F);
      char buffer[16];
      if (code >= 0x10000) {
        code -= 0x10000;
        std::snprintf(buffer, sizeof buffer, "\\u%04x\\u%04x", 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF));
      } else {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", code);
      }
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string python_string_repr(const std::string& text) {
  // repr() prefers single quotes unless the text holds one and no double quote.
  const bool use_double = text.find('\'') != std::string::npos && text.find('"') == std::string::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == quote) out += std::string("\\") + quote;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + quote;
}

std::string integer_text(const rapidjson::Value& value) {
  return value.IsUint64() && !value.IsInt64() ? std::to_string(value.GetUint64())
                                              : std::to_string(value.GetInt64());
}

}  // namespace

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";
  std::string digits;
  int exponent = 0;
  shortest_digits(std::fabs(value), digits, exponent);
  std::string out = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + buffer;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    return out + digits;
  }
  const auto int_len = static_cast<std::size_t>(exponent + 1);
  if (digits.size() <= int_len) {
    out += digits;
    out.append(int_len - digits.size(), '0');
    return out + ".0";
  }
  out.append(digits, 0, int_len);
  out += '.';
  out.append(digits, int_len, std::string::npos);
  return out;
}

std::string python_repr(const rapidjson::Value& value) {
  if (value.IsNull()) return "None";
  if (value.IsBool()) return value.GetBool() ? "True" : "False";
  if (value.IsInt64() || value.IsUint64()) return integer_text(value);
  if (value.IsNumber()) return python_float_repr(value.GetDouble());
  if (value.IsString()) return python_string_repr(value.GetString());
  std::string out;
  if (value.IsArray()) {
    out = "[";
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) out += (i ? ", " : "") + python_repr(value[i]);
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (const auto& member : value.GetObject()) {
    out += (first ? "" : ", ") + python_string_repr(member.name.GetString()) + ": " + python_repr(member.value);
    first = false;
  }
  return out + "}";
}

std::string python_str(const rapidjson::Value* value) {
  if (value == nullptr) return "None";
  if (value->IsString()) return value->GetString();
  return python_repr(*value);
}

std::string python_json_dumps(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return value.GetBool() ? "true" : "false";
  if (value.IsInt64() || value.IsUint64()) return integer_text(value);
  if (value.IsNumber()) {
    const double number = value.GetDouble();
    if (std::isnan(number)) return "NaN";
    if (std::isinf(number)) return number > 0 ? "Infinity" : "-Infinity";
    return python_float_repr(number);
  }
  std::string out;
  if (value.IsString()) {
    append_escaped_ascii(out, std::string(value.GetString(), value.GetStringLength()));
    return out;
  }
  if (value.IsArray()) {
    out = "[";
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) out += (i ? ", " : "") + python_json_dumps(value[i]);
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (const auto& member : value.GetObject()) {
    if (!first) out += ", ";
    append_escaped_ascii(out, std::string(member.name.GetString(), member.name.GetStringLength()));
    out += ": " + python_json_dumps(member.value);
    first = false;
  }
  return out + "}";
}

}  // namespace qtune
