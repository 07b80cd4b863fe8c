// Every shipped analyser plugin satisfies the plugin contract the passes do: it loads as
// kind "analyser" with a name, version and summary; its options are documented and
// resolve to their defaults; an unknown option key is rejected naming the key and the
// analyser; what it depends on is installed; `qtune plugins --describe` prints it.
#include <gtest/gtest.h>

#include "analysis_test_support.h"
#include "framework/cli/run_qtune.h"
#include "qtune/analyser.h"
#include "qtune/error.h"

namespace qtune {
namespace {

std::vector<std::string> shipped_analysers() { return {"layerwise", "graphwise", "statistical", "derived"}; }

class AnalyserPluginContract : public testing::TestWithParam<std::string> {};

TEST_P(AnalyserPluginContract, LoadsDescribesAndRejectsUnknownOptions) {
  const PluginHost& host = test::built_plugins();
  const LoadedPlugin* p = host.find("analyser", GetParam());
  ASSERT_TRUE(p) << "analyser plugin '" << GetParam() << "' is not built in " << QTUNE_PLUGIN_BUILD_DIR;
  EXPECT_FALSE(p->version.empty());
  EXPECT_FALSE(p->summary.empty());
  EXPECT_NE(p->path.filename().string().find("libqtune_analyser_"), std::string::npos) << p->path;

  const OptionSchema schema = host.option_schema(*p);
  for (const OptionSpec& o : schema) {
    EXPECT_FALSE(o.doc.empty()) << GetParam() << "." << o.name;
    EXPECT_FALSE(std::holds_alternative<std::monostate>(o.default_value)) << GetParam() << "." << o.name;
  }
  const OptionValues defaults = resolve_options(schema, {}, "analyser '" + GetParam() + "'");
  for (const OptionSpec& o : schema) EXPECT_TRUE(defaults.has(o.name)) << o.name;
  try {
    resolve_options(schema, {{"no_such_option", OptionValue(true)}}, "analyser '" + GetParam() + "'");
    ADD_FAILURE() << "unknown option accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("analyser '" + GetParam() + "'"), std::string::npos) << e.what();
  }

  std::unique_ptr<Plugin> made = host.create("analyser", GetParam());
  const auto* analyser = static_cast<const Analyser*>(made.get());
  for (const std::string& dep : analyser->depends_on())
    EXPECT_TRUE(host.find("analyser", dep)) << GetParam() << " depends on '" << dep << "', not installed";

  const auto r = test::run_qtune("plugins --describe " + GetParam());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("analyser plugin '" + GetParam() + "'"), std::string::npos) << r.out;
  for (const OptionSpec& o : schema) EXPECT_NE(r.out.find(o.name), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Shipped, AnalyserPluginContract, testing::ValuesIn(shipped_analysers()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace qtune
