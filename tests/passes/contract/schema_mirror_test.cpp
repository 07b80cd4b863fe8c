// The setting-block pass plugins (equalization, weight_split, tqt, lsq, blockwise,
// fusion_alignment; bias_correct in tests/passes/bias_correct) declare exactly the options
// (names, types, defaults, choices, ranges) the setting tests' mirror of the reference holds
// (tests/framework/run/setting_test_schemas.h, reference §1.6 / §3.1 / §3.3).
#include <gtest/gtest.h>

#include "framework/run/setting_test_schemas.h"
#include "passes/support/pass_test_support.h"

namespace qtune {
namespace {

void expect_schema_matches_mirror(const std::string& key, const std::string& plugin_name) {
  SCOPED_TRACE(key);
  const SettingPlugins fakes = test::fake_plugins();
  const BlockSchema& mirror = fakes.blocks.at(key);
  const LoadedPlugin* plugin = test::shipped_plugins().find("pass", plugin_name);
  ASSERT_NE(plugin, nullptr);
  const OptionSchema real = test::shipped_plugins().option_schema(*plugin);
  ASSERT_EQ(real.size(), mirror.schema.size());
  for (const OptionSpec& m : mirror.schema) {
    auto it = std::find_if(real.begin(), real.end(), [&](const OptionSpec& s) { return s.name == m.name; });
    ASSERT_NE(it, real.end()) << m.name;
    EXPECT_EQ(it->type, m.type) << m.name;
    EXPECT_EQ(it->default_value, m.default_value) << m.name;
    EXPECT_EQ(it->choices, m.choices) << m.name;
    EXPECT_EQ(it->min, m.min) << m.name;
    EXPECT_EQ(it->max, m.max) << m.name;
  }
  const auto instance = test::shipped_plugins().create("pass", plugin_name);
  EXPECT_EQ(static_cast<const Pass&>(*instance).setting_key(), key);
}

TEST(PassSchemaMirror, EqualizationDeclaresTheReferenceOptions) {
  expect_schema_matches_mirror("equalization", "equalization");
}

TEST(PassSchemaMirror, WeightSplitDeclaresTheReferenceOptions) {
  expect_schema_matches_mirror("weight_split", "weight_split");
}

TEST(PassSchemaMirror, TrainingPassesDeclareTheReferenceOptions) {
  expect_schema_matches_mirror("tqt_optimization", "tqt");
  expect_schema_matches_mirror("lsq_optimization", "lsq");
  expect_schema_matches_mirror("blockwise_reconstruction", "blockwise");
}

TEST(PassSchemaMirror, FusionAlignmentDeclaresTheReferenceOptions) {
  expect_schema_matches_mirror("fusion_alignment", "fusion_alignment");
}

}  // namespace
}  // namespace qtune
