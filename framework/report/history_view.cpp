#include "report/history_view.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace qtune::report {
namespace {

// Differences below this are "no change" in the outcome column (reference §9).
constexpr double kNoChangeTolerance = 1e-6;

std::string text_field(const IterationRow& row, const char* key) {
  const rapidjson::Value& v = row.field(key);
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

bool better(double a, double b, const std::string& direction) { return direction == "max" ? a > b : a < b; }

// Number of bytes of the UTF-8 sequence starting with `lead`.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

std::string strip(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

}  // namespace

std::string format_value(const rapidjson::Value* value) {
  if (value && value->IsBool()) return value->GetBool() ? "True" : "False";
  if (json_finite(value)) return fmt::format("{:.4f}", value->GetDouble());
  return python_str(value);
}

std::string signed4(double value) { return fmt::format("{:+.4f}", value); }

std::string table_direction(const History& rows) {
  for (const IterationRow& row : rows)
    if (row.has_finite_value()) {
      const std::string d = row.metric_direction();
      return d == "min" ? "min" : "max";
    }
  return "max";
}

std::optional<double> baseline_value(const History& rows) {
  for (const IterationRow& row : rows)
    if (row.id == 0 && row.has_finite_value()) return row.value();
  return std::nullopt;
}

std::optional<double> delta_vs_baseline(const IterationRow& row, const History& rows) {
  const auto base = baseline_value(rows);
  if (!base || !row.has_finite_value()) return std::nullopt;
  return row.value() - *base;
}

const char* delta_arrow(double delta, const std::string& direction) {
  if (delta == 0) return "=";
  return better(delta, 0.0, direction) ? "↑" : "↓";
}

std::string outcome_label(const IterationRow& row, const History& rows, const IterationRow* best) {
  if (row.id == 0) return "baseline";
  if (!row.has_finite_value()) return "failed";
  if (best && row.dir == best->dir) return "best";
  const auto base = baseline_value(rows);
  if (!base || std::fabs(row.value() - *base) < kNoChangeTolerance) return "no change";
  return better(row.value(), *base, table_direction(rows)) ? "improvement" : "regression";
}

std::string rationale_line(const IterationRow& row, std::size_t max_chars) {
  const rapidjson::Value& r = row.field("rationale");
  if (!r.IsString()) return "-";
  const std::string text(r.GetString(), r.GetStringLength());
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    line = strip(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!line.empty() || end == std::string::npos) break;
    start = end + 1;
  }
  if (line.empty()) return "-";
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < line.size(); i += utf8_length(static_cast<unsigned char>(line[i]))) starts.push_back(i);
  if (starts.size() <= max_chars) return line;
  return line.substr(0, starts[max_chars - 1]) + "…";
}

EvalSource eval_source(const IterationRow& row) {
  EvalSource out;
  const rapidjson::Value& used = row.field("evaluation");
  if (used.IsString()) out.used = used.GetString();
  out.samples = row.samples();
  const rapidjson::Value& se = row.field("standard_error");
  if (json_finite(&se)) out.standard_error = se.GetDouble();
  else out.standard_error = metric_standard_error(row);
  return out;
}

std::string eval_source_text(const EvalSource& source) {
  std::string text = source.used;
  if (source.samples) text += fmt::format("{}n={}", text.empty() ? "" : ", ", std::llround(*source.samples));
  return text.empty() ? "-" : text;
}

std::string value_with_error(const IterationRow& row) {
  const std::string text = format_value(&row.primary_value());
  if (!row.has_finite_value()) return text;
  const EvalSource source = eval_source(row);
  if (!source.standard_error) return text;
  return fmt::format("{} ± {:.4f}", text, *source.standard_error);
}

std::optional<FullEval> full_eval(const IterationRow& row) {
  // The confirmation of a target (full_eval), else the finalize-time evaluation (final_eval).
  const rapidjson::Value& f = row.field("full_eval").IsObject() ? row.field("full_eval") : row.field("final_eval");
  if (!f.IsObject()) return std::nullopt;
  const rapidjson::Value* v = json_member(&f, "primary_value");
  if (!json_finite(v)) return std::nullopt;
  FullEval out;
  out.value = v->GetDouble();
  if (const rapidjson::Value* n = json_member(&f, "samples"); json_finite(n) && n->GetDouble() > 0)
    out.samples = n->GetDouble();
  if (const rapidjson::Value* se = json_member(&f, "standard_error"); json_finite(se)) {
    out.standard_error = se->GetDouble();
  } else if (out.samples) {
    // The same rule as the iteration's own value: a row made of the full evaluation.
    IterationRow probe;
    probe.id = row.id;
    probe.dir = row.dir;
    probe.json = std::make_shared<rapidjson::Document>();
    probe.json->CopyFrom(*row.json, probe.json->GetAllocator());
    auto& a = probe.json->GetAllocator();
    auto set = [&](const char* key, rapidjson::Value value) {
      if (probe.json->HasMember(key)) (*probe.json)[key] = value;
      else probe.json->AddMember(rapidjson::Value(key, a), value, a);
    };
    set("primary_value", rapidjson::Value(out.value));
    set("samples", rapidjson::Value(*out.samples));
    set("standard_error", rapidjson::Value(rapidjson::kNullType));
    out.standard_error = metric_standard_error(probe);
  }
  return out;
}

std::string full_eval_text(const FullEval& eval) {
  std::string text = fmt::format("{:.4f}", eval.value);
  if (eval.standard_error) text += fmt::format(" ± {:.4f}", *eval.standard_error);
  if (eval.samples) text += fmt::format(" (n={})", std::llround(*eval.samples));
  return text;
}

std::string model_name_of(const History& rows) {
  std::string name;
  for (const IterationRow& row : rows)
    if (const std::string v = text_field(row, "model_name"); !v.empty()) name = v;
  return name.empty() ? "<model>" : name;
}

std::string target_chip_of(const History& rows) {
  std::string chip;
  for (const IterationRow& row : rows)
    if (const std::string v = text_field(row, "target_chip"); !v.empty()) chip = v;
  return chip.empty() ? "<target>" : chip;
}

std::string primary_metric_of(const History& rows, const IterationRow* best) {
  if (best && !best->primary_metric().empty()) return best->primary_metric();
  return rows.empty() ? "" : rows.front().primary_metric();
}

const IterationRow* runner_up(const History& rows, const IterationRow* best) {
  if (!best) return nullptr;
  const std::string direction = best->metric_direction() == "max" ? "max" : "min";
  const IterationRow* second = nullptr;
  for (const IterationRow& row : rows) {
    if (!row.has_finite_value() || row.dir == best->dir) continue;
    if (!second || better(row.value(), second->value(), direction) ||
        (row.value() == second->value() && row.id < second->id))
      second = &row;
  }
  return second;
}

}  // namespace qtune::report
