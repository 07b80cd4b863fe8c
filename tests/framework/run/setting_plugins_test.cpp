// setting_plugins(): the installed pass plugins as a setting sees them (the test
// plugins built beside the test binary).
#include "run/setting_plugins.h"

#include <gtest/gtest.h>

#include "framework/host/test_paths.h"
#include "qtune/error.h"

namespace qtune {
namespace {

TEST(SettingPlugins, PassPluginsOwnTheirSettingKeyWithTheirSchema) {
  PluginHost host;
  host.load_directories({test::plugin_case_dir("good")});
  const SettingPlugins plugins = setting_plugins(host);
  ASSERT_EQ(plugins.blocks.size(), 1u);
  const BlockSchema& scale = plugins.blocks.at("test_scale");
  EXPECT_EQ(scale.plugin, "test_scale");
  ASSERT_EQ(scale.schema.size(), 3u);
  EXPECT_EQ(scale.schema[0].name, "factor");
  EXPECT_TRUE(plugins.calibration_algorithms.empty());
  EXPECT_EQ(plugins.searched, host.searched_directories());
}

TEST(SettingPlugins, MissingPassPluginNamesTheFoldersSearched) {
  PluginHost host;
  host.load_directories({test::plugin_case_dir("good")});
  SettingPlugins plugins = setting_plugins(host);
  plugins.calibration_algorithms = {"kl"};  // no calibration plugin in good/
  Setting setting = parse_setting(R"({"tqt_optimization": {"enabled": true}})", "iter_1/setting.json");
  std::string msg;
  try {
    resolve_setting(setting, plugins, "esp32p4", std::nullopt);
  } catch (const InputError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("iter_1/setting.json: 'tqt_optimization' is enabled but no installed pass plugin owns that block"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(host.searched_directories().at(0).string()), std::string::npos) << msg;
}

}  // namespace
}  // namespace qtune
