// `qtune compare` as a user runs it: exit codes (0 ok, 1 premature --finalize, 2 usage)
// and one-line usage errors.
#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"
#include "framework/report/report_fixture.h"

namespace qtune::report_test {
namespace {

namespace fs = std::filesystem;
using test::CliResult;
using test::quoted;
using test::run_qtune;

std::string plugin_flags() {
  return "--plugin-dir " + quoted((fs::path(QTUNE_TEST_PLUGIN_DIR) / "report_strategy").string()) +
         " --strategy report_fake";
}

TEST(CompareCli, ExitCodesFollowTheReference) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  const std::string base = "compare --output-dir " + quoted(outputs.string()) + " " + plugin_flags();

  CliResult r = run_qtune(base);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrap up at any time"), std::string::npos);

  r = run_qtune(base + " --strategy-option phase=phase-5-agent-driven --finalize");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("PREMATURE --finalize REJECTED"), std::string::npos);
  EXPECT_FALSE(fs::exists(outputs / "final_report.md"));

  r = run_qtune(base + " --strategy-option phase=phase-5-agent-driven --finalize --force-finalize");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(outputs / "final_report.md"));
  EXPECT_NE(r.out.find("finalize category      : force_finalize_phase5"), std::string::npos) << r.out;
}

TEST(CompareCli, UsageErrorsExit2WithOneLine) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  CliResult r = run_qtune("compare");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("output-dir"), std::string::npos) << r.err;

  r = run_qtune("compare --output-dir " + quoted((outputs / "missing").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;

  r = run_qtune("compare --output-dir " + quoted(outputs.string()) + " " + plugin_flags() + " --strategy-option oops");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("key=value"), std::string::npos) << r.err;

  r = run_qtune("compare --output-dir " + quoted(outputs.string()) + " " + plugin_flags() +
                " --strategy-option unknown_knob=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option 'unknown_knob'"), std::string::npos) << r.err;

  r = run_qtune("compare --output-dir " + quoted(outputs.string()) + " --no-such-flag");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace qtune::report_test
