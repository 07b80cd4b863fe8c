// qtune plugins on the test plugin folders (default search path switched off).
#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"
#include "framework/host/test_paths.h"

namespace qtune {
namespace {

using test::quoted;
using test::run_qtune;

std::string only_dir(const std::string& name) {
  return "plugins --no-default-dirs --plugin-dir " + quoted(test::plugin_case_dir(name).string());
}

TEST(CliPlugins, ListsGoodPlugins) {
  const auto r = run_qtune(only_dir("good"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("KIND"), std::string::npos);
  // One row per plugin: kind, name, version, path; sorted by kind.
  const auto analyser = r.out.find("analyser  test_stats");
  const auto pass = r.out.find("pass      test_scale  0.3.1");
  const auto strategy = r.out.find("strategy  test_stop");
  ASSERT_NE(analyser, std::string::npos) << r.out;
  ASSERT_NE(pass, std::string::npos) << r.out;
  ASSERT_NE(strategy, std::string::npos) << r.out;
  EXPECT_LT(analyser, pass);
  EXPECT_LT(pass, strategy);
  EXPECT_NE(r.out.find("libqtune_tp_good_scale.so"), std::string::npos);
}

TEST(CliPlugins, DescribePrintsEveryOption) {
  const auto r = run_qtune(only_dir("good") + " --describe test_scale");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pass plugin 'test_scale' version 0.3.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scales every parameter (host test)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("factor  (float; default 1; range [0, 10])"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("multiplier applied to every parameter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scope  (enum; default \"weights\"; choices {weights, all})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layers  (string list; no default)"), std::string::npos) << r.out;
}

TEST(CliPlugins, DescribeUnknownNameListsLoaded) {
  const auto r = run_qtune(only_dir("good") + " --describe nope");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no plugin named 'nope'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("test_scale, test_stats, test_stop"), std::string::npos) << r.err;
}

TEST(CliPlugins, EmptyListAndBadPluginDir) {
  auto r = run_qtune("plugins --no-default-dirs");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "no plugins found in: (no directories)\n");

  r = run_qtune(only_dir("bad_abi"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("was built for SDK ABI 999"), std::string::npos) << r.err;

  r = run_qtune("plugins --plugin-dir /nonexistent/qtune_plugins");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--plugin-dir: directory '/nonexistent/qtune_plugins' does not exist"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace qtune
