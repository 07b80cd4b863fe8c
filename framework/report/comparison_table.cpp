#include "report/comparison_table.h"

#include <fmt/format.h>

#include "report/history_view.h"

namespace qtune::report {
namespace {

constexpr std::size_t kRationaleChars = 50;
constexpr int kRuleWidth = 110;

std::string value_text(const rapidjson::Value& v) {
  if (json_finite(&v)) return fmt::format("{:.4f}", v.GetDouble());
  return python_str(&v);
}

}  // namespace

std::string comparison_table(const TableInputs& in) {
  const History& rows = *in.rows;
  std::string out;
  auto line = [&](const std::string& s = "") { out += s + "\n"; };
  if (rows.empty()) {
    line("No iterations found.");
    line();
    line("Tip: run the baseline first, e.g.");
    line("  qtune iterate --contract <contract.so> --baseline --output-dir <outputs>/iter_0");
    line("or let qtune drive the whole loop: qtune run --contract <contract.so> --output-dir <outputs>");
    return out;
  }
  const IterationRow& first = rows.front();
  // The reference's direction for this table: the first row's.
  const std::string direction = first.metric_direction();
  line();
  line("=== Iteration comparison ===");
  line(fmt::format("primary_metric={}  direction={}", python_str(&first.field("primary_metric")), direction));
  const auto base = baseline_value(rows);
  const IterationRow* iter0 = nullptr;
  for (const IterationRow& row : rows)
    if (row.id == 0 && !iter0) iter0 = &row;
  line(fmt::format("baseline (iter_0) value: {}", iter0 ? python_str(&iter0->primary_value()) : "None"));
  if (const auto target = target_metric(rows)) line(fmt::format("target_metric: {}", python_float_repr(*target)));
  if (const std::string priority = runtime_priority(rows); priority != "balanced")
    line(fmt::format("deploy_runtime_priority: {}", priority));
  const DenseRanks ranks = dense_ranks(rows);
  for (const auto& w : ranks.warnings) line("  ! " + w);
  line();
  line(fmt::format("{:>4} {:>4} {:>10} {:>14} {:>5} {:>8}  {}", "iter", "rank", "primary", "delta", "speed", "time(s)",
                   "rationale"));
  line(std::string(kRuleWidth, '-'));
  for (const IterationRow& row : rows) {
    const auto rank = ranks.rank.find(row.id);
    std::string delta;
    if (base && row.has_finite_value()) {
      const double d = row.value() - *base;
      delta = fmt::format(" ({} {})", signed4(d), delta_arrow(d, direction == "min" ? "min" : "max"));
    }
    const rapidjson::Value& elapsed = row.field("elapsed_seconds");
    const std::string time = json_finite(&elapsed) ? fmt::format("{:.1f}", elapsed.GetDouble()) : "-";
    const RuntimeCost cost = runtime_cost(row.setting());
    // The arrow is one column wide but three bytes: pad by characters, not bytes.
    std::string delta_cell = delta;
    std::size_t visible = 0;
    for (unsigned char c : delta) visible += (c & 0xC0) != 0x80;
    if (visible < 14) delta_cell = std::string(14 - visible, ' ') + delta;
    line(fmt::format("{:>4} {:>4} {:>10} {} {:>5} {:>8}  {}", row.id,
                     rank != ranks.rank.end() ? std::to_string(rank->second) : "-", value_text(row.primary_value()),
                     delta_cell, cost.affects_speed ? "slow" : "ok", time, rationale_line(row, kRationaleChars)));
  }
  line();
  if (in.best) {
    line(fmt::format("Best so far: iter_{} ({}={:.4f})", in.best->id, in.best->primary_metric(), in.best->value()));
    line(fmt::format("  mutate from: {}", (in.best->dir / "setting.json").string()));
    line(fmt::format("  affects inference speed: {}", runtime_cost(in.best->setting()).label));
    const rapidjson::Value& top = in.best->field("top_5_error_layers");
    if (top.IsArray() && !top.Empty()) {
      line("  top error layers (SNR, op):");
      for (const auto& entry : top.GetArray()) {
        const rapidjson::Value* snr = json_member(&entry, "snr");
        line(fmt::format("    {}  {}", json_finite(snr) ? fmt::format("{:.6f}", snr->GetDouble()) : python_str(snr),
                         python_str(json_member(&entry, "op"))));
      }
    }
  } else {
    line("Best so far: none (no iteration has a finite primary metric)");
  }
  line();
  line(fmt::format("=== Suggested next step ({}) ===", in.phase));
  line(in.advice);
  line();
  line("=== Tip: how to wrap up at any time ===");
  line("To stop here and write outputs/best/ and outputs/final_report.md from the best iteration so far, run:");
  line(fmt::format("  {}", in.early_finalize_command));
  return out;
}

}  // namespace qtune::report
