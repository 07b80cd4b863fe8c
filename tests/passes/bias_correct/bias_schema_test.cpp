// The bias_correct plugin declares exactly the options (names, order, types, defaults,
// ranges) the setting tests' mirror of the reference holds (reference §3.2, mirrored in
// tests/framework/run/setting_test_schemas.h), and owns the "bias_correct" block.
#include <gtest/gtest.h>

#include "bias_test_support.h"
#include "framework/run/setting_test_schemas.h"

namespace qtune::bias_test {
namespace {

TEST(BiasCorrectSchema, MatchesTheReferenceMirror) {
  PluginHost host;
  host.load_file(QTUNE_BIAS_PLUGIN);
  const LoadedPlugin* plugin = host.find("pass", "bias_correct");
  ASSERT_NE(plugin, nullptr);
  const OptionSchema real = host.option_schema(*plugin);
  const OptionSchema mirror = test::fake_plugins().blocks.at("bias_correct").schema;
  ASSERT_EQ(real.size(), mirror.size());
  for (std::size_t i = 0; i < real.size(); ++i) {
    SCOPED_TRACE(mirror[i].name);
    EXPECT_EQ(real[i].name, mirror[i].name);
    EXPECT_EQ(real[i].type, mirror[i].type);
    EXPECT_EQ(real[i].default_value, mirror[i].default_value);
    EXPECT_EQ(real[i].min, mirror[i].min);
    EXPECT_EQ(real[i].max, mirror[i].max);
    EXPECT_FALSE(real[i].doc.empty());
  }
  const auto instance = host.create("pass", "bias_correct");
  EXPECT_EQ(static_cast<const Pass&>(*instance).setting_key(), "bias_correct");
  EXPECT_EQ(static_cast<const Pass&>(*instance).stage(), PassStage::BiasCorrection);
  // block_size 0 is refused (the mirror's range), naming the option.
  EXPECT_THROW(resolve_options(real, {{"block_size", std::int64_t{0}}}, "pass 'bias_correct'"), InputError);
}

}  // namespace
}  // namespace qtune::bias_test
