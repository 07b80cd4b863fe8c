#include "export/espdl_info.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qtune {
namespace {

// numpy's repr defaults (np.set_printoptions): 75 columns; "array(" + "[" is 7 wide.
constexpr std::size_t kLineWidth = 75;
const std::string kHanging(7, ' ');

std::string list_repr(const std::vector<std::int64_t>& v) { return fmt::format("[{}]", fmt::join(v, ", ")); }

// Python's repr of a str (single quotes unless the text holds one and no double quote).
std::string py_str_repr(const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\' || c == q) out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + q;
}

// esp-ppq shortens long strings in attribute lines (_sanitize_str).
std::string sanitized(const std::string& s) {
  if (s.size() < 64) return s;
  return s.substr(0, 64) + fmt::format("...<+len={}>", s.size() - 64);
}

std::string float_g(double f) { return fmt::format("{:.15g}", f); }

std::string shape_x(const std::vector<std::int64_t>& dims) {
  return dims.empty() ? std::string("scalar") : fmt::format("{}", fmt::join(dims, "x"));
}

std::string attribute_line(const std::string& name, const AttrValue& value) {
  std::string v = std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) return fmt::format("{}", x);
        else if constexpr (std::is_same_v<T, float>) return float_g(x);
        else if constexpr (std::is_same_v<T, std::string>) return py_str_repr(sanitized(x));
        else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) return list_repr(x);
        else if constexpr (std::is_same_v<T, std::vector<float>>) {
          std::vector<std::string> parts;
          for (float f : x) parts.push_back(float_g(f));
          return fmt::format("[{}]", fmt::join(parts, ", "));
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::vector<std::string> parts;
          for (const auto& s : x) parts.push_back(py_str_repr(sanitized(s)));
          return fmt::format("[{}]", fmt::join(parts, ", "));
        } else {
          return x.rank() > 0 ? std::string("<Tensor>") : std::string("<Scalar Tensor>");
        }
      },
      value);
  return fmt::format("{} = {}", name, v);
}

std::string node_line(const EspdlNode& n) {
  std::string out = "  ";
  if (!n.outputs.empty()) {
    std::vector<std::string> outs;
    for (const auto& o : n.outputs) outs.push_back("%" + o);
    out += fmt::format("{} = ", fmt::join(outs, ", "));
  }
  std::vector<std::string> ins;
  for (const auto& i : n.inputs) ins.push_back("%" + i);
  std::vector<std::string> attrs;
  for (const auto& [k, v] : n.attributes.all()) attrs.push_back(attribute_line(k, v));
  std::sort(attrs.begin(), attrs.end());
  if (attrs.empty()) return out + fmt::format("{}({})", n.op_type, fmt::join(ins, ", "));
  return out + fmt::format("{}[{}]({})", n.op_type, fmt::join(attrs, ", "), fmt::join(ins, ", "));
}

std::string value_info_line(const EspdlValueInfo& v) {
  std::string s = fmt::format("%{}[{}, {}]", v.name, espdl_data_type_name(v.elem_type), shape_x(v.shape));
  if (!v.exponents.empty()) s += fmt::format(", exponents: {}", list_repr(v.exponents));
  return s;
}

// Python's repr of bytes for an ASCII doc string: b'...'.
std::string py_bytes_repr(const std::string& s) { return fmt::format("b{}", py_str_repr(s)); }

std::string tensor_value_block(const EspdlTensor& t) {
  std::string s = fmt::format("%{}, shape: {}, exponents: {}, ", t.name, list_repr(t.dims), list_repr(t.exponents));
  if (!t.doc_string.empty()) s += fmt::format("docString: {}, ", py_bytes_repr(t.doc_string));
  return s + "\nvalue: " + numpy_array_repr(t, true);
}

// numpy dtype names; int64, float64 and bool are numpy's defaults and are not printed.
const char* numpy_dtype(EspdlDataType t) {
  switch (t) {
    case EspdlDataType::Int8: return "int8";
    case EspdlDataType::UInt8: return "uint8";
    case EspdlDataType::Int16: return "int16";
    case EspdlDataType::UInt16: return "uint16";
    case EspdlDataType::Int32: return "int32";
    case EspdlDataType::UInt32: return "uint32";
    case EspdlDataType::UInt64: return "uint64";
    case EspdlDataType::Float: return "float32";
    case EspdlDataType::Float16: return "float16";
    default: return nullptr;
  }
}

bool is_float(EspdlDataType t) {
  return t == EspdlDataType::Float || t == EspdlDataType::Double || t == EspdlDataType::Float16;
}

// A float as numpy prints one element (shortest round trip; "1." for integral values).
std::string numpy_float(double v, bool single) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = single ? fmt::format("{}", static_cast<float>(v)) : fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".";
  return s;
}

}  // namespace

std::string numpy_array_repr(const EspdlTensor& t, bool padded) {
  std::vector<std::string> words;
  if (is_float(t.data_type)) {
    for (double v : t.to_double()) words.push_back(numpy_float(v, t.data_type != EspdlDataType::Double));
  } else {
    for (std::int64_t v : t.to_int64()) words.push_back(fmt::format("{}", v));
  }
  if (padded) {  // esp-ppq prints the raw chunks, zero padding included
    const std::size_t size = espdl_data_type_size(t.data_type);
    if (size > 0) {
      const std::size_t per_chunk = 16 / size;
      while (words.size() % per_chunk != 0) words.push_back(is_float(t.data_type) ? "0." : "0");
    }
  }
  std::size_t width = 0;
  for (const auto& w : words) width = std::max(width, w.size());
  const std::size_t elem_width = kLineWidth - 1 - 1;  // minus the suffix and "]"
  std::string s, line = kHanging;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string word = std::string(width - words[i].size(), ' ') + words[i];
    if (line.size() + word.size() > elem_width && line.size() > kHanging.size()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      s += line + "\n";
      line = kHanging;
    }
    line += word;
    if (i + 1 < words.size()) line += ", ";
  }
  s += line;
  std::string arr = "array([" + s.substr(kHanging.size()) + "]";
  const char* dtype = numpy_dtype(t.data_type);
  if (!dtype) return arr + ")";
  arr += ",";
  const std::string dtype_str = fmt::format("dtype={})", dtype);
  const std::size_t last_line = arr.size() - (arr.rfind('\n') == std::string::npos ? 0 : arr.rfind('\n') + 1);
  return arr + (last_line + dtype_str.size() + 1 > kLineWidth ? "\n      " : " ") + dtype_str;
}

std::string espdl_info_text(const EspdlModel& model) {
  const EspdlGraph& g = model.graph;
  std::vector<std::string> content;
  std::string props = "model properties:\nmetadata_props:\n";
  for (const auto& [k, v] : model.metadata_props) props += fmt::format("{}: {}\n", k, v);
  content.push_back(props + "\n");

  std::set<std::string> initializer_names;
  for (const auto& t : g.initializers) initializer_names.insert(t.name);
  std::vector<std::string> header = {"graph", g.name};
  if (!g.inputs.empty()) {
    header.push_back("(");
    std::vector<std::string> ins;
    for (const auto& v : g.inputs)
      if (!initializer_names.count(v.name)) ins.push_back(value_info_line(v));
    if (!ins.empty()) {
      content.push_back(fmt::format("{}", fmt::join(header, " ")));
      header.clear();
      for (const auto& l : ins) content.push_back("  " + l);
    }
    header.push_back(")");
    if (!g.initializers.empty()) {
      header.push_back("initializers (");
      content.push_back(fmt::format("{}", fmt::join(header, " ")));
      header.clear();
      for (const auto& t : g.initializers)
        content.push_back(fmt::format("  %{}[{}, {}]", t.name, espdl_data_type_name(t.data_type), shape_x(t.dims)));
      header.push_back(")");
    }
  }
  header.push_back("{");
  content.push_back(fmt::format("{}", fmt::join(header, " ")));
  for (const auto& n : g.nodes) content.push_back(node_line(n));
  std::vector<std::string> outs;
  for (const auto& o : g.outputs) outs.push_back("%" + o.name);
  content.push_back(fmt::format("  return {}", fmt::join(outs, ", ")));
  content.push_back("}");

  auto section = [&](const char* title, std::vector<std::string> lines) {
    content.push_back(fmt::format("\n\n{}:\n{}", title, fmt::join(lines, "\n")));
  };
  std::vector<std::string> lines;
  for (const auto& t : g.initializers) lines.push_back(tensor_value_block(t));
  section("initializers value", lines);
  lines.clear();
  for (const auto& v : g.value_info) lines.push_back(value_info_line(v));
  section("values info", lines);
  lines.clear();
  for (const auto& t : g.test_inputs) lines.push_back(tensor_value_block(t));
  section("test inputs value", lines);
  lines.clear();
  for (const auto& t : g.test_outputs) lines.push_back(tensor_value_block(t));
  section("test outputs value", lines);
  return fmt::format("{}", fmt::join(content, "\n"));
}

}  // namespace qtune
