#pragma once
// Hand-made outputs/ folders for the compare / report tests, materialised the way the
// reference's scenarios are (search_state_machine.md §18): iteration_index.json,
// setting.json, metrics.json and a 1-byte model.espdl per iteration.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "qtune/history.h"
#include "qtune/log.h"

namespace qtune::report_test {

struct RunConfig {
  std::string primary_metric = "top1";
  std::string direction = "max";
  std::string target = "null";        // JSON text
  std::string priority = "balanced";
  std::string model = "TestNet";
  std::string chip = "esp32p4";
};

inline constexpr const char* kDefaultTqt =
    R"("tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 500, "block_size": 4, "is_scale_trainable": true, "gamma": 0.0, "int_lambda": 0.0, "collecting_device": "cuda"})";

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `value` and `setting_members` are JSON text ("70.5", "NaN", "null"; `"calib_algorithm": "kl"`).
struct IterationSpec {
  IterationSpec(int id_, std::string value_, std::string setting_members_ = "", std::string rationale_ = "",
                std::string used_ = "evaluate_fast")
      : id(id_), value(std::move(value_)), setting_members(std::move(setting_members_)),
        rationale(std::move(rationale_)), used(std::move(used_)) {}
  int id = 0;
  std::string value = "null";
  std::string setting_members;        // members of setting.json besides iteration_id / rationale
  std::string rationale;
  std::string used = "evaluate_fast";
  std::string extra_metrics;          // extra members of metrics.json
  std::string extra_index;            // extra members of iteration_index.json
  bool model = true;
};

inline void write_iteration(const std::filesystem::path& outputs, const IterationSpec& it, const RunConfig& cfg = {}) {
  const auto dir = outputs / fmt::format("iter_{}", it.id);
  std::filesystem::create_directories(dir);
  const std::string rationale = fmt::format("\"{}\"", it.rationale);
  write_text(dir / "iteration_index.json",
             fmt::format(R"({{"iteration_id": {}, "rationale": {}, "primary_metric": "{}", "primary_value": {},
 "metric_direction": "{}", "target_metric": {}, "deploy_runtime_priority": "{}", "model_name": "{}",
 "target_chip": "{}", "elapsed_seconds": 1.0, "top_5_error_layers": [{{"op": "/conv1/Conv", "snr": 0.125}}],
 "applied_setting_warnings": []{}{}}})",
                         it.id, rationale, cfg.primary_metric, it.value, cfg.direction, cfg.target, cfg.priority,
                         cfg.model, cfg.chip, it.extra_index.empty() ? "" : ", ", it.extra_index));
  write_text(dir / "setting.json", fmt::format(R"({{"iteration_id": {}, "rationale": {}{}{}}})", it.id, rationale,
                                               it.setting_members.empty() ? "" : ", ", it.setting_members));
  write_text(dir / "metrics.json",
             fmt::format(R"({{"_used": "{}", "_primary_key": "{}", "_primary_value": {}, "metric_direction": "{}"{}{}}})",
                         it.used, cfg.primary_metric, it.value, cfg.direction, it.extra_metrics.empty() ? "" : ", ",
                         it.extra_metrics));
  if (it.model) write_text(dir / "model.espdl", "x");
}

// A fresh, empty folder under the test temp dir, unique per test.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   fmt::format("qtune_report_{}_{}_{}", info->test_suite_name(), info->name(), name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The three-leg Phase-2 history of the reference's tests (iter_0 baseline, kl/mse/percentile + default TQT).
inline void write_three_legs(const std::filesystem::path& outputs, const RunConfig& cfg = {}) {
  write_iteration(outputs, {0, "70.0", R"("calib_algorithm": "kl")", "default espdl_setting() baseline"}, cfg);
  write_iteration(outputs, {1, "70.5", std::string(R"("calib_algorithm": "kl", )") + kDefaultTqt, "kl + TQT"}, cfg);
  write_iteration(outputs, {2, "70.3", std::string(R"("calib_algorithm": "mse", )") + kDefaultTqt, "mse + TQT"}, cfg);
  write_iteration(outputs, {3, "70.8", std::string(R"("calib_algorithm": "percentile", )") + kDefaultTqt,
                            "percentile + TQT"},
                  cfg);
}

// A Log that drops everything.
class QuietLog final : public Log {
 public:
  void info(std::string_view) override {}
  void warn(std::string_view) override {}
  void progress(std::string_view, long, long) override {}
};

}  // namespace qtune::report_test
