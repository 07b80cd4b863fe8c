#include "run/search_run.h"

#include <chrono>
#include <ctime>
#include <ostream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "qtune/error.h"
#include "report/compare_flow.h"
#include "run/interrupt.h"
#include "run/iteration.h"
#include "qtune/log.h"

namespace fs = std::filesystem;

namespace qtune {
namespace {

// Consecutive failed iterations after which the run stops: the failure is systematic
// (a broken contract, a missing file), not a bad setting the strategy can move away from.
constexpr int kMaxConsecutiveFailures = 3;

std::string timestamp_suffix() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string iteration_status(const fs::path& dir) {
  const fs::path index = dir / kIterationIndexFile;
  if (!fs::exists(index)) return fs::exists(dir / kMetricsFile) ? "ok" : "incomplete";
  try {
    const auto doc = parse_json(read_file(index), index.string());
    const auto it = doc.FindMember("status");
    return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "ok";
  } catch (const Error&) {
    return "incomplete";  // a half-written index cannot exist (atomic writes); treat as unfinished
  }
}

// Sets aside iter_N folders of unfinished iterations (killed, or stopped with Ctrl-C) so
// the history only holds finished ones and their ids can be reused. Nothing is deleted.
void set_aside_unfinished(const fs::path& outputs, std::ostream& out) {
  static const std::regex pattern(R"(^iter_\d+$)");
  if (!fs::is_directory(outputs)) return;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(outputs))
    if (entry.is_directory() && std::regex_match(entry.path().filename().string(), pattern)) dirs.push_back(entry.path());
  for (const auto& dir : dirs) {
    const std::string status = iteration_status(dir);
    if (status != "incomplete" && status != "interrupted") continue;
    const fs::path aside = outputs / fmt::format("{}.{}-{}", dir.filename().string(), status, timestamp_suffix());
    fs::rename(dir, aside);
    out << fmt::format("[run] {} was {}; set aside as {} (a fresh run of that iteration follows)\n",
                       dir.filename().string(), status, aside.filename().string());
  }
}

void add_option_json(rapidjson::Value& object, const std::string& name, const OptionValue& value,
                     rapidjson::Document::AllocatorType& a) {
  rapidjson::Value v;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) v.SetBool(x);
        else if constexpr (std::is_same_v<T, std::int64_t>) v.SetInt64(x);
        else if constexpr (std::is_same_v<T, double>) v.SetDouble(x);
        else if constexpr (std::is_same_v<T, std::string>) v.SetString(x.c_str(), a);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          v.SetArray();
          for (const auto& s : x) v.PushBack(rapidjson::Value(s.c_str(), a), a);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          v.SetArray();
          for (double d : x) v.PushBack(rapidjson::Value(d), a);
        } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
          v.SetObject();
          for (const auto& [k, s] : x) v.AddMember(rapidjson::Value(k.c_str(), a), rapidjson::Value(s.c_str(), a), a);
        }
      },
      value);
  object.AddMember(rapidjson::Value(name.c_str(), a), v, a);
}

// outputs/run.json: which strategy (and options) this outputs/ is searched with, so a
// later `qtune run` or `qtune compare` continues with the same one.
void write_run_config(const RunRequest& request, const std::string& strategy, const OptionValues& options,
                      const std::vector<std::string>& given_options) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("strategy", rapidjson::Value(strategy.c_str(), a), a);
  rapidjson::Value opts(rapidjson::kObjectType);
  for (const auto& name : given_options)
    if (auto it = options.all().find(name); it != options.all().end()) add_option_json(opts, name, it->second, a);
  doc.AddMember("strategy_options", opts, a);
  doc.AddMember("contract", rapidjson::Value(fs::absolute(request.contract).string().c_str(), a), a);
  if (request.contract_config)
    doc.AddMember("contract_config", rapidjson::Value(fs::absolute(*request.contract_config).string().c_str(), a), a);
  if (request.target_metric) doc.AddMember("target_metric", rapidjson::Value(*request.target_metric), a);
  if (request.target_chip) doc.AddMember("target_chip", rapidjson::Value(request.target_chip->c_str(), a), a);
  write_file_atomic(request.outputs_dir / kRunConfigFile, json_pretty(doc) + "\n");
}

std::string best_line(const History& rows) {
  const IterationRow* best = best_iteration(rows);
  if (best == nullptr) return "no successful iteration yet";
  std::string text = fmt::format("best so far iter_{} ({}={}", best->id, best->primary_metric(),
                                 python_float_repr(best->value()));
  const auto* full = json_member(&best->field("full_eval"), "primary_value");
  if (json_finite(full)) text += fmt::format("; full evaluate() {}", python_float_repr(full->GetDouble()));
  return text + ")";
}

int next_iteration_id(const History& rows) {
  int next = 0;
  for (const auto& row : rows) next = std::max(next, row.id + 1);
  return next;
}

// The strategy's setting with iteration_id set to the folder's id.
std::string setting_for(const std::string& setting_json, int id) {
  auto doc = parse_json(setting_json, "the strategy's setting");
  if (!doc.IsObject()) throw Error("the strategy returned a setting that is not a JSON object");
  auto& a = doc.GetAllocator();
  doc.RemoveMember("iteration_id");
  doc.AddMember("iteration_id", rapidjson::Value(id), a);
  return json_pretty(doc) + "\n";
}

// Best and runner-up by the history's own ordering (value, then id).
std::vector<const IterationRow*> best_two(const History& rows) {
  std::vector<const IterationRow*> finite;
  for (const auto& row : rows)
    if (row.has_finite_value()) finite.push_back(&row);
  if (finite.empty()) return {};
  const bool max = finite.front()->metric_direction() != "min";
  std::stable_sort(finite.begin(), finite.end(), [&](const IterationRow* a, const IterationRow* b) {
    if (a->value() != b->value()) return max ? a->value() > b->value() : a->value() < b->value();
    return a->id < b->id;
  });
  if (finite.size() > 2) finite.resize(2);
  return finite;
}

// The report shows the full evaluation of the best and the runner-up: a row measured on
// evaluate_fast only is run again (same setting, deterministic) with evaluate() into
// iter_N/final_eval/, and iteration_index.json gains "final_eval" {primary_value, samples}.
// Strategies never read final_eval; it only informs the person reading the report.
void evaluate_finalists(const History& rows, const IterationRequest& base, std::ostream& out) {
  for (const IterationRow* row : best_two(rows)) {
    const auto& used = row->field("evaluation");
    if (!used.IsString() || std::string(used.GetString()) != "evaluate_fast") continue;
    if (row->field("full_eval").IsObject() || row->field("final_eval").IsObject()) continue;
    if (interrupt_requested()) return;
    out << fmt::format("[run] full evaluate() of iter_{} for the report (it was ranked on evaluate_fast)\n", row->id);
    IterationRequest again = base;
    again.output_dir = row->dir / "final_eval";
    again.setting = row->dir / kSettingFile;
    again.use_full_eval = true;
    again.confirm_target = false;
    again.analyse = false;
    again.echo = false;
    const IterationResult done = run_iteration(again);
    if (!done.ok() || !done.record.primary_value) {
      out << fmt::format("[run] full evaluation of iter_{} failed: {}\n", row->id, done.record.error);
      continue;
    }
    const fs::path index_path = row->dir / kIterationIndexFile;
    auto index = parse_json(read_file(index_path), index_path.string());
    auto& a = index.GetAllocator();
    rapidjson::Value final_eval(rapidjson::kObjectType);
    final_eval.AddMember("primary_value", *done.record.primary_value, a);
    if (auto it = done.metrics.find("samples"); it != done.metrics.end()) final_eval.AddMember("samples", it->second, a);
    final_eval.AddMember("dir", rapidjson::Value("final_eval", a), a);
    index.RemoveMember("final_eval");
    index.AddMember("final_eval", final_eval, a);
    write_file_atomic(index_path, json_pretty(index) + "\n");
    out << fmt::format("[run] iter_{}: evaluate_fast {} -> evaluate() {}\n", row->id, python_float_repr(row->value()),
                       python_float_repr(*done.record.primary_value));
  }
}

// After a finalizing compare: evaluate the finalists fully, then render the report again.
void finalize_with_full_numbers(const fs::path& outputs, const StrategyHost& host, report::CompareRequest compare,
                                const std::string& category, const IterationRequest& base, std::ostream& out, Log& log) {
  const History rows = load_history(outputs);
  const auto before = best_two(rows);
  bool missing = false;
  for (const auto* row : before)
    missing |= row->field("evaluation").IsString() && std::string(row->field("evaluation").GetString()) == "evaluate_fast" &&
               !row->field("full_eval").IsObject() && !row->field("final_eval").IsObject();
  if (!missing) return;
  evaluate_finalists(rows, base, out);
  compare.finalize_category = category;
  std::ostringstream quiet;  // the table was printed already
  report::run_compare(host, compare, quiet, log);
}

}  // namespace

RunResult run_search(const RunRequest& request, std::ostream& out) {
  RunResult result;
  const fs::path outputs = fs::absolute(request.outputs_dir).lexically_normal();
  fs::create_directories(outputs);
  install_interrupt_handler();

  StrategyHost host(request.plugin_dirs);
  const auto recorded = read_recorded_strategy(outputs);
  std::string strategy = request.strategy;
  if (strategy.empty()) strategy = recorded ? recorded->name : kDefaultRunStrategy;
  const rapidjson::Value* recorded_options =
      recorded && recorded->name == strategy && recorded->options ? recorded->options.get() : nullptr;
  const OptionValues options = host.options(strategy, request.strategy_options, recorded_options);
  std::vector<std::string> given;
  for (const auto& [name, text] : request.strategy_options) given.push_back(name);
  if (recorded_options != nullptr && recorded_options->IsObject())
    for (const auto& m : recorded_options->GetObject())
      if (!request.strategy_options.count(m.name.GetString())) given.emplace_back(m.name.GetString());
  RunRequest effective = request;
  effective.outputs_dir = outputs;
  write_run_config(effective, strategy, options, given);

  const std::string budget = request.iterations < 0 ? "no budget" : fmt::format("budget {} iteration(s)", request.iterations);
  out << fmt::format("[run] {} with strategy '{}' ({})\n", outputs.string(), strategy, budget);

  IterationRequest base;
  base.contract = request.contract;
  base.contract_config = request.contract_config;
  base.use_full_eval = request.use_full_eval;
  base.target = request.target_chip;
  base.target_metric = request.target_metric;
  base.plugin_dirs = request.plugin_dirs;
  base.analyse = request.analyse;
  base.confirm_target = true;

  Log& log = stderr_log();
  int failures_in_a_row = 0;
  while (true) {
    if (interrupt_requested()) {
      result.stop_reason = "interrupted";
      result.exit_code = kExitInterrupted;
      out << "[run] stopped by the user; finished iterations are kept. Run the same command to continue.\n";
      return result;
    }
    set_aside_unfinished(outputs, out);
    History rows = load_history(outputs);
    const int left = request.iterations < 0 ? -1 : request.iterations - result.iterations_run;

    // Ask the strategy (compare writes comparison.json, and finalizes when it says so).
    std::optional<std::string> next_setting;
    std::string rationale_line;
    if (!rows.empty()) {
      report::CompareRequest compare;
      compare.outputs_dir = outputs;
      compare.strategy = strategy;
      compare.strategy_options = request.strategy_options;
      compare.iterations_left = left;
      auto decision = report::run_compare(host, compare, out, log);
      if (!decision.finalize_category.empty()) {
        result.stop_reason = decision.finalize_category;
        finalize_with_full_numbers(outputs, host, compare, decision.finalize_category, base, out, log);
        out << fmt::format("[run] finalized ({}); {}. Report: {}\n", decision.finalize_category, best_line(rows),
                           (outputs / "final_report.md").string());
        return result;
      }
      if (decision.decision.action == StrategyDecision::Action::AwaitSetting) {
        result.stop_reason = "await_setting";
        out << fmt::format(
            "[run] strategy '{}' waits for the next setting from an agent or a person: follow next_step_hint in {} "
            "and run `qtune iterate --setting S.json --output-dir {}/iter_{}`, then `qtune run` again.\n",
            strategy, (outputs / "comparison.json").string(), outputs.string(), next_iteration_id(rows));
        return result;
      }
      if (left == 0) {
        // The user's budget is the hard ceiling: finalize with what is left untried.
        compare.finalize_category = "budget_spent";
        const auto final = report::run_compare(host, compare, out, log);
        result.stop_reason = final.finalize_category.empty() ? "budget_spent" : final.finalize_category;
        finalize_with_full_numbers(outputs, host, compare, result.stop_reason, base, out, log);
        out << fmt::format("[run] iteration budget spent ({} run); finalized: {}. Report: {}\n", result.iterations_run,
                           best_line(rows), (outputs / "final_report.md").string());
        return result;
      }
      if (decision.decision.action != StrategyDecision::Action::Iterate)
        throw Error(fmt::format("strategy '{}' neither finalized nor proposed a setting", strategy));
      next_setting = decision.decision.setting_json;
      rationale_line = decision.decision.reason;
      out << fmt::format("[run] next: {} ({})\n", decision.decision.phase, rationale_line);
    } else if (left == 0) {
      result.stop_reason = "budget_spent";
      out << "[run] budget of 0 iterations: nothing run\n";
      return result;
    }

    const int id = next_iteration_id(rows);
    const fs::path dir = outputs / fmt::format("iter_{}", id);
    IterationRequest iteration = base;
    iteration.output_dir = dir;
    if (next_setting) {
      fs::create_directories(dir);
      const fs::path proposal = dir / "strategy_setting.json";
      write_file_atomic(proposal, setting_for(*next_setting, id));
      iteration.setting = proposal;
    }
    const std::string k = request.iterations < 0 ? fmt::format("{}", result.iterations_run + 1)
                                                 : fmt::format("{}/{}", result.iterations_run + 1, request.iterations);
    out << fmt::format("[run] iteration {}: iter_{} ({}); {}\n", k, id, next_setting ? "strategy setting" : "baseline",
                       best_line(rows));
    const IterationResult done = run_iteration(iteration);
    if (done.record.status == "interrupted") continue;  // set aside at the top of the loop, then stop
    ++result.iterations_run;
    if (!done.ok()) {
      out << fmt::format("[run] iter_{} failed: {}\n", id, done.record.error);
      if (id == 0 || ++failures_in_a_row >= kMaxConsecutiveFailures) {
        result.exit_code = 1;
        result.stop_reason = "error: " + done.record.error;
        out << fmt::format("[run] stopping: {}\n", id == 0 ? "the baseline failed"
                                                           : fmt::format("{} iterations failed in a row", failures_in_a_row));
        return result;
      }
    } else {
      failures_in_a_row = 0;
      if (done.record.full_eval)
        out << fmt::format("[run] iter_{}: target {} on evaluate_fast; full evaluate() {} ({})\n", id,
                           done.record.target_metric ? python_float_repr(*done.record.target_metric) : "?",
                           done.record.full_eval->primary_value ? python_float_repr(*done.record.full_eval->primary_value)
                                                                : "missing",
                           done.record.full_eval->reaches_target ? "confirms it" : "misses it: the search goes on");
    }
  }
}

}  // namespace qtune
