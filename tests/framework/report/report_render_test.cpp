// The report's pieces rendered from hand-made rows: the esp-ppq Python snippet for a
// setting with every pass, Python-style JSON, the SVG plot (well-formed, one point per
// finite row), the history table and sections of final_report.md, sampling noise and
// full evaluations, and the findings rules qtune changes on purpose.
#include <regex>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "report/final_report.h"
#include "report/finalize_reason.h"
#include "report/history_view.h"
#include "report/metric_plot.h"
#include "report/python_snippet.h"
#include "report/report_json.h"
#include "framework/report/report_fixture.h"

namespace qtune::report_test {
namespace {

namespace fs = std::filesystem;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNanAndInfFlag>(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// Minimal XML well-formedness: every start tag is closed in order; comments, the
// declaration and self-closing tags are skipped.
bool well_formed_xml(const std::string& text, std::string& why) {
  std::vector<std::string> stack;
  std::size_t pos = 0;
  while ((pos = text.find('<', pos)) != std::string::npos) {
    const auto end = text.find('>', pos);
    if (end == std::string::npos) {
      why = "unterminated tag";
      return false;
    }
    std::string tag = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.starts_with("?") || tag.starts_with("!")) continue;
    if (tag.ends_with("/")) continue;
    if (tag.starts_with("/")) {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) {
        why = "unexpected </" + name + ">";
        return false;
      }
      stack.pop_back();
      continue;
    }
    stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
  }
  if (!stack.empty()) why = "unclosed <" + stack.back() + ">";
  return stack.empty();
}

TEST(PythonSnippet, RendersEveryPassOfTheSetting) {
  const auto setting = parse(R"({
    "iteration_id": 9, "rationale": "everything", "calib_algorithm": "Percentile",
    "equalization": {"enabled": true, "iterations": 10, "value_threshold": 0.5, "opt_level": 2, "including_bias": false, "including_act": false},
    "bias_correct": {"enabled": true, "block_size": 4, "steps": 32},
    "tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 1000, "block_size": 4, "is_scale_trainable": true, "gamma": 0.0, "int_lambda": 0.0, "collecting_device": "cuda"},
    "lsq_optimization": {"enabled": false, "lr": 1e-05},
    "blockwise_reconstruction": {"enabled": true, "lr": 0.001, "steps": 5000, "gamma": 1.0, "block_size": 4, "is_scale_trainable": false, "collecting_device": "cuda"},
    "fusion_alignment": {"align_elementwise_to": "Align to Large", "align_concat_to": "Align to Output", "force_alignment_overlap": false},
    "weight_split": {"enabled": true, "value_threshold": 1.5, "method": "balance", "interested_layers": ["/conv1/Conv", "/conv2/Conv"]},
    "dispatching_table": [{"op": "/conv1/Conv", "bits": 16}, {"op_name": "/fc/Gemm", "bits": 8}, {"bits": 16}],
    "extra": {"foo": 1}})");
  EXPECT_EQ(report::python_snippet(setting, "esp32p4"),
            "from esp_ppq import QuantizationSettingFactory\n"
            "from esp_ppq.api import get_target_platform\n"
            "\n"
            "setting = QuantizationSettingFactory.espdl_setting()\n"
            "setting.quantize_activation_setting.calib_algorithm = 'Percentile'\n"
            "setting.equalization = True\n"
            "setting.equalization_setting.iterations = 10\n"
            "setting.equalization_setting.value_threshold = 0.5\n"
            "setting.equalization_setting.opt_level = 2\n"
            "setting.equalization_setting.including_bias = False\n"
            "setting.equalization_setting.including_act = False\n"
            "setting.bias_correct = True\n"
            "setting.bias_correct_setting.block_size = 4\n"
            "setting.bias_correct_setting.steps = 32\n"
            "setting.tqt_optimization = True\n"
            "setting.tqt_optimization_setting.lr = 1e-05\n"
            "setting.tqt_optimization_setting.steps = 1000\n"
            "setting.tqt_optimization_setting.block_size = 4\n"
            "setting.tqt_optimization_setting.is_scale_trainable = True\n"
            "setting.tqt_optimization_setting.gamma = 0.0\n"
            "setting.tqt_optimization_setting.int_lambda = 0.0\n"
            "setting.tqt_optimization_setting.collecting_device = 'cuda'\n"
            "setting.blockwise_reconstruction = True\n"
            "setting.blockwise_reconstruction_setting.lr = 0.001\n"
            "setting.blockwise_reconstruction_setting.steps = 5000\n"
            "setting.blockwise_reconstruction_setting.block_size = 4\n"
            "setting.blockwise_reconstruction_setting.is_scale_trainable = False\n"
            "setting.blockwise_reconstruction_setting.gamma = 1.0\n"
            "setting.blockwise_reconstruction_setting.collecting_device = 'cuda'\n"
            "setting.fusion_setting.align_elementwise_to = 'Align to Large'\n"
            "setting.fusion_setting.align_concat_to = 'Align to Output'\n"
            "setting.fusion_setting.force_alignment_overlap = False\n"
            "setting.weight_split = True\n"
            "setting.weight_split_setting.interested_layers = ['/conv1/Conv', '/conv2/Conv']\n"
            "setting.weight_split_setting.value_threshold = 1.5\n"
            "setting.weight_split_setting.method = 'balance'\n"
            "setting.dispatching_table.append(\n"
            "    operation='/conv1/Conv',\n"
            "    platform=get_target_platform('esp32p4', 16),\n"
            ")\n"
            "setting.dispatching_table.append(\n"
            "    operation='/fc/Gemm',\n"
            "    platform=get_target_platform('esp32p4', 8),\n"
            ")\n");
}

TEST(PythonSnippet, BaselineIsTheFactoryCallAlone) {
  EXPECT_EQ(report::python_snippet(parse(R"({"iteration_id": 0, "rationale": "baseline"})"), "esp32s3"),
            "from esp_ppq import QuantizationSettingFactory\n\nsetting = QuantizationSettingFactory.espdl_setting()\n");
}

TEST(PythonJson, WritesWhatPythonsJsonDumpsWrites) {
  const auto doc = parse(R"({"lr": 1e-05, "v": 70.0, "steps": 500, "n": NaN, "i": -Infinity, "e": [], "o": {},
                             "l": [1, "a"], "s": "ü\"\n"})");
  EXPECT_EQ(report::python_json(doc, 0),
            R"({"lr": 1e-05, "v": 70.0, "steps": 500, "n": NaN, "i": -Infinity, "e": [], "o": {}, "l": [1, "a"], "s": "ü\"\n"})");
  EXPECT_EQ(report::python_json(parse(R"({"a": [1, {"b": null}]})")),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}");
}

TEST(MetricPlot, IsWellFormedWithOnePointPerFiniteRow) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  write_iteration(outputs, {1, "71.5"});
  write_iteration(outputs, {2, "NaN"});
  write_iteration(outputs, {3, "null"});
  write_iteration(outputs, {4, "70.9"});
  const History rows = load_history(outputs);
  const auto path = report::write_metric_plot(outputs, rows, best_iteration(rows), 72.0);
  const std::string svg = read_text(path);
  std::string why;
  EXPECT_TRUE(well_formed_xml(svg, why)) << why;
  EXPECT_EQ(count(svg, "<circle class=\"point"), 3u);
  EXPECT_EQ(count(svg, "<circle class=\"point best\""), 1u);
  EXPECT_NE(svg.find("<title>iter_1: top1=71.5000</title>"), std::string::npos);
  EXPECT_EQ(count(svg, "<path class=\"failed\""), 2u);
  EXPECT_EQ(count(svg, "<line class=\"target\""), 1u);
  EXPECT_NE(svg.find("target 72.0"), std::string::npos);
}

TEST(MetricPlot, HandlesAnEmptyOrFlatHistory) {
  std::string why;
  const std::string empty = report::metric_plot_svg({}, nullptr, std::nullopt, "t & <x>");
  EXPECT_TRUE(well_formed_xml(empty, why)) << why;
  EXPECT_NE(empty.find("t &amp; &lt;x&gt;"), std::string::npos);
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "0.5"});
  const History rows = load_history(outputs);
  const std::string flat = report::metric_plot_svg(rows, best_iteration(rows), std::nullopt, "flat");
  EXPECT_TRUE(well_formed_xml(flat, why)) << why;
  EXPECT_EQ(count(flat, "<circle class=\"point best\""), 1u);
}

struct Rendered {
  History rows;
  std::string report;
};

Rendered render(const fs::path& outputs, const std::string& category = "", const std::string& plot = "metric_plot.svg") {
  Rendered r;
  r.rows = load_history(outputs);
  const IterationRow* best = best_iteration(r.rows);
  rapidjson::Document reason;
  report::ReportInputs in;
  in.rows = &r.rows;
  in.best = best;
  in.plot_file = plot;
  in.timestamp = "2024-01-02T03:04:05+00:00";
  if (!category.empty()) {
    reason = report::finalize_reason(category, r.rows, best, target_metric(r.rows), {}, nullptr);
    in.finalize_reason = &reason;
  }
  r.report = report::render_final_report(in);
  return r;
}

TEST(FinalReport, HasTheMarkerAllSectionsAndTheHistoryTable) {
  RunConfig cfg;
  cfg.target = "72.0";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  write_iteration(outputs,
                  {4, "70.6", std::string(R"("calib_algorithm": "percentile", "dispatching_table": [{"op": "/a|b", "bits": 16}], )") +
                                  kDefaultTqt,
                   "int16 on the | worst layer\\nsecond line"},
                  cfg);
  const std::string report = render(outputs, "manual_finalize_pre_phase5").report;
  EXPECT_TRUE(report.starts_with("<!-- auto-generated by compare_iterations.py at 2024-01-02T03:04:05+00:00 "));
  EXPECT_TRUE(report::report_has_marker(report));
  std::size_t last = 0;
  for (const char* heading : {"# Final Report: TestNet on esp32p4", "## Summary", "## Stop reason", "## Iteration history",
                              "## Best setting", "## Python snippet", "## Key findings",
                              "\n## Remaining gap (if target not met)"}) {
    const auto at = report.find(std::string(heading).starts_with("\n") ? heading : "\n" + std::string(heading));
    ASSERT_NE(at, std::string::npos) << heading;
    EXPECT_GT(at, last) << heading << " out of order";
    last = at;
  }
  EXPECT_NE(report.find("| iter | method changed | top1 | eval | delta | outcome | rank | affects inference speed |"),
            std::string::npos);
  EXPECT_NE(report.find("| 3 | percentile + TQT | 70.8000 | evaluate_fast | +0.8000 ↑ | **best** | **1** | No |"),
            std::string::npos);
  EXPECT_NE(report.find("| 0 | default espdl_setting() baseline | 70.0000 | evaluate_fast | +0.0000 = | baseline | 5 | No |"),
            std::string::npos);
  EXPECT_NE(report.find("| 4 | int16 on the \\| worst layer | 70.6000 | evaluate_fast | +0.6000 ↑ | improvement | 2 | "
                        "Yes (int16 promotion on 1 op(s): /a\\|b) |"),
            std::string::npos);
  EXPECT_NE(report.find("![top1 per iteration](metric_plot.svg)"), std::string::npos);
  EXPECT_NE(report.find("- top1: 70.8000 (target_metric=72.0000)"), std::string::npos);
  EXPECT_NE(report.find("- Runner-up: iter_4 (top1=70.6000)"), std::string::npos);
  EXPECT_NE(report.find("```json\n{\n  \"iteration_id\": 3,"), std::string::npos);
  EXPECT_NE(report.find("\"lr\": 1e-05"), std::string::npos);
  EXPECT_NE(report.find("```python\nfrom esp_ppq import QuantizationSettingFactory\n"), std::string::npos);
  EXPECT_NE(report.find("- Best vs baseline (iter_0 = 70.0000): +0.8000."), std::string::npos);
  EXPECT_NE(report.find("- Most helpful iteration: iter_3 (delta +0.8000; percentile + TQT)."), std::string::npos);
  EXPECT_NE(report.find("  - `/conv1/Conv` — SNR 0.125000"), std::string::npos);
  EXPECT_NE(report.find("Target 72.0000 was not met. Gap: 1.2000 (absolute)."), std::string::npos);
}

TEST(FinalReport, NamesALargestRegressionOnlyWhenThereIsOne) {
  const auto improving = fresh_dir("up");
  write_iteration(improving, {0, "70.0"});
  write_iteration(improving, {1, "71.0"});
  write_iteration(improving, {2, "72.0"});
  const std::string up = render(improving).report;
  EXPECT_NE(up.find("- Most helpful iteration: iter_2 (delta +2.0000"), std::string::npos);
  EXPECT_EQ(up.find("Largest regression"), std::string::npos);

  const auto mixed = fresh_dir("mixed");
  write_iteration(mixed, {0, "70.0"});
  write_iteration(mixed, {1, "71.0"});
  write_iteration(mixed, {2, "69.0", "", "too aggressive"});
  const std::string both = render(mixed).report;
  EXPECT_NE(both.find("- Largest regression: iter_2 (delta -1.0000; too aggressive)."), std::string::npos);

  const auto worse = fresh_dir("down");
  write_iteration(worse, {0, "70.0"});
  write_iteration(worse, {1, "69.0"});
  const std::string down = render(worse).report;
  EXPECT_EQ(down.find("Most helpful"), std::string::npos);
  EXPECT_NE(down.find("- Largest regression: iter_1 (delta -1.0000"), std::string::npos);
}

TEST(FinalReport, MinDirectionCountsLowerAsBetter) {
  RunConfig cfg;
  cfg.primary_metric = "wer";
  cfg.direction = "min";
  cfg.target = "0.10";
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "0.20"}, cfg);
  write_iteration(outputs, {1, "0.15"}, cfg);
  const std::string report = render(outputs).report;
  EXPECT_NE(report.find("| 1 | - | 0.1500 | evaluate_fast | -0.0500 ↑ | **best** | **1** | No |"), std::string::npos);
  EXPECT_NE(report.find("- Gap to target: 0.0500 (absolute)"), std::string::npos);
}

TEST(FinalReport, ShowsSampleCountsStandardErrorsAndFullEvaluations) {
  const auto outputs = fresh_dir("out");
  IterationSpec base{0, "70.0"};
  base.extra_metrics = R"("_samples": 200)";
  IterationSpec best{1, "75.0"};
  best.extra_metrics = R"("_samples": 200, "top5": 91.25)";
  best.extra_index = R"("full_eval": {"primary_value": 74.5, "samples": 400})";
  write_iteration(outputs, base);
  write_iteration(outputs, best);
  const Rendered r = render(outputs);
  const auto se_best = metric_standard_error(r.rows[1]);
  ASSERT_TRUE(se_best.has_value());
  EXPECT_NE(r.report.find(fmt::format("- Evaluated with: evaluate_fast, n=200 (binomial standard error ± {:.4f})", *se_best)),
            std::string::npos)
      << r.report;
  EXPECT_NE(r.report.find("- Full evaluation of the best: top1=74.5000 ± "), std::string::npos);
  EXPECT_NE(r.report.find("(n=400)"), std::string::npos);
  EXPECT_NE(r.report.find(fmt::format("| 1 | - | 75.0000 ± {:.4f} | evaluate_fast, n=200; full: 74.5000", *se_best)),
            std::string::npos);
  EXPECT_NE(r.report.find("- Other metrics: top5=91.2500"), std::string::npos);
  EXPECT_NE(r.report.find("- Best vs runner-up iter_0: +5.0000"), std::string::npos);
}

TEST(FinalReport, SingleIterationSessionAndNoTarget) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  const std::string report = render(outputs, "manual_finalize_pre_phase5").report;
  EXPECT_NE(report.find("- _Single-iteration session_ (baseline only)."), std::string::npos);
  EXPECT_NE(report.find("(target_metric=not set)"), std::string::npos);
  EXPECT_NE(report.find("- **Target**: not set"), std::string::npos);
  EXPECT_EQ(report.find("\n## Remaining gap"), std::string::npos);
}

TEST(FinalReport, PreservationFollowsTheMarker) {
  const auto outputs = fresh_dir("out");
  EXPECT_EQ(report::write_final_report(outputs, "<!-- auto-generated by compare_iterations.py at x -->\nA\n", false),
            "written");
  EXPECT_EQ(report::write_final_report(outputs, "B\n", false), "rewritten");
  EXPECT_EQ(report::write_final_report(outputs, "C\n", false), "preserved-by-agent-edit");
  EXPECT_EQ(read_text(outputs / "final_report.md"), "B\n");
  EXPECT_EQ(report::write_final_report(outputs, "D\n", true), "rewritten-forced");
  // A marker anywhere in the first 10 lines counts; on line 11 it does not.
  std::string late;
  for (int i = 0; i < 10; ++i) late += "line\n";
  EXPECT_FALSE(report::report_has_marker(late + "<!-- auto-generated by compare_iterations.py at x -->\n"));
  EXPECT_TRUE(report::report_has_marker("line\n<!-- auto-generated by compare_iterations.py at x -->\n"));
}

TEST(HistoryView, RationaleLineIsTheFirstNonBlankLineCutByCharacters) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "1.0", "", "\\n   \\n  first line  \\nsecond"});
  write_iteration(outputs, {1, "1.0", "", std::string(100, 'x')});
  write_iteration(outputs, {2, "1.0", "", std::string(40, 'x') + std::string(50, 'a') + "é"});
  const History rows = load_history(outputs);
  EXPECT_EQ(report::rationale_line(rows[0], 80), "first line");
  EXPECT_EQ(report::rationale_line(rows[1], 80), std::string(79, 'x') + "…");
  EXPECT_EQ(report::rationale_line(rows[2], 91), std::string(40, 'x') + std::string(50, 'a') + "é");
}

TEST(HistoryView, OutcomeLabels) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  write_iteration(outputs, {1, "72.0"});
  write_iteration(outputs, {2, "70.0000001"});
  write_iteration(outputs, {3, "69.0"});
  write_iteration(outputs, {4, "71.0"});
  write_iteration(outputs, {5, "NaN"});
  const History rows = load_history(outputs);
  const IterationRow* best = best_iteration(rows);
  std::vector<std::string> labels;
  for (const auto& row : rows) labels.push_back(report::outcome_label(row, rows, best));
  EXPECT_EQ(labels, (std::vector<std::string>{"baseline", "best", "no change", "regression", "improvement", "failed"}));
}

}  // namespace
}  // namespace qtune::report_test
