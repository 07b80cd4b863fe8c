#include "host/plugin_host.h"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "framework/host/message_of.h"
#include "framework/host/test_paths.h"
#include "qtune/error.h"
#include "qtune/pass.h"

namespace qtune {
namespace {

using test::message_of;

using test::plugin_case_dir;

TEST(PluginHost, LoadsOnePluginOfEachKindFromGoodDir) {
  PluginHost host;
  host.load_directories({plugin_case_dir("good")});
  ASSERT_EQ(host.plugins().size(), 3u);
  const LoadedPlugin* scale = host.find("pass", "test_scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->version, "0.3.1");
  EXPECT_EQ(scale->path.filename(), "libqtune_tp_good_scale.so");
  EXPECT_NE(host.find("analyser", "test_stats"), nullptr);
  EXPECT_NE(host.find("strategy", "test_stop"), nullptr);
  EXPECT_EQ(host.find("analyser", "test_scale"), nullptr);  // (kind, name) is the key
  EXPECT_EQ(host.of_kind("pass").size(), 1u);
}

TEST(PluginHost, CreatesPassAndReadsItsSchema) {
  PluginHost host;
  host.load_directories({plugin_case_dir("good")});
  std::unique_ptr<Plugin> plugin = host.create("pass", "test_scale");
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(static_cast<Pass&>(*plugin).setting_key(), "test_scale");

  const OptionSchema schema = host.option_schema(*host.find("pass", "test_scale"));
  ASSERT_EQ(schema.size(), 3u);
  EXPECT_EQ(schema[0].name, "factor");
  EXPECT_EQ(schema[0].type, OptionType::Float);
  EXPECT_EQ(std::get<double>(schema[0].default_value), 1.0);
  EXPECT_EQ(schema[1].choices, (std::vector<std::string>{"weights", "all"}));
}

TEST(PluginHost, UnknownNameListsKnownNamesOfThatKind) {
  PluginHost host;
  host.load_directories({plugin_case_dir("good")});
  const std::string msg = message_of<InputError>([&] { host.create("pass", "nope"); });
  EXPECT_NE(msg.find("unknown pass plugin 'nope'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test_scale"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("test_stats"), std::string::npos) << msg;  // an analyser, not a pass
}

TEST(PluginHost, RefusesOtherAbiNamingFileAndBothVersions) {
  PluginHost host;
  const std::string msg = message_of<InputError>([&] { host.load_directories({plugin_case_dir("bad_abi")}); });
  EXPECT_NE(msg.find("libqtune_tp_bad_abi.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("built for SDK ABI 999, this host supports " + std::to_string(kAbiVersion)), std::string::npos)
      << msg;
  EXPECT_TRUE(host.plugins().empty());
}

TEST(PluginHost, RefusesDuplicateNamingBothFilesAndVersions) {
  PluginHost host;
  const std::string msg = message_of<InputError>([&] { host.load_directories({plugin_case_dir("duplicate")}); });
  EXPECT_NE(msg.find("duplicate pass plugin 'dup_pass'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("libqtune_tp_dup_v1.so (version 1.0.0)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("libqtune_tp_dup_v2.so (version 2.0.0)"), std::string::npos) << msg;
}

TEST(PluginHost, RefusesLibraryWithoutExport) {
  PluginHost host;
  const std::string msg = message_of<InputError>([&] { host.load_directories({plugin_case_dir("not_plugin")}); });
  EXPECT_NE(msg.find("libqtune_tp_not_plugin.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a qtune plugin: no 'qtune_plugin' export"), std::string::npos) << msg;
}

TEST(PluginHost, RefusesContractLibrary) {
  PluginHost host;
  const std::string msg = message_of<InputError>([&] { host.load_file(test::test_contract("good")); });
  EXPECT_NE(msg.find("contract 'tiny_good'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--contract"), std::string::npos) << msg;
}

TEST(PluginHost, FactoryExceptionNamesPlugin) {
  PluginHost host;
  host.load_directories({plugin_case_dir("throwing")});
  const std::string msg = message_of<Error>([&] { host.create("pass", "throwing_pass"); });
  EXPECT_NE(msg.find("pass plugin 'throwing_pass'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("create() failed: missing lookup table"), std::string::npos) << msg;
}

TEST(PluginHost, SameDirectoryTwiceIsNotADuplicate) {
  PluginHost host;
  const auto dir = plugin_case_dir("good");
  host.load_directories({dir, dir / "." });
  EXPECT_EQ(host.plugins().size(), 3u);
  EXPECT_EQ(host.searched_directories().size(), 1u);
}

TEST(PluginHost, MissingDirectoryAndUnloadableFileAreNamed) {
  PluginHost host;
  std::string msg = message_of<InputError>([&] { host.load_directories({"/nonexistent/qtune_plugins"}); });
  EXPECT_NE(msg.find("/nonexistent/qtune_plugins"), std::string::npos) << msg;

  const auto dir = std::filesystem::temp_directory_path() / ("qtune_plugin_host_junk_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "libjunk.so") << "not an ELF file";
  msg = message_of<InputError>([&] { host.load_directories({dir}); });
  EXPECT_NE(msg.find("libjunk.so: cannot load shared library"), std::string::npos) << msg;
  std::filesystem::remove_all(dir);
}

TEST(PluginHost, DefaultSearchPathReadsEnvironmentAndSkipsMissingDirs) {
  const char* saved = std::getenv("QTUNE_PLUGIN_PATH");
  const std::string saved_value = saved ? saved : "";
  const auto good = std::filesystem::canonical(plugin_case_dir("good"));
  const auto dup = std::filesystem::canonical(plugin_case_dir("duplicate"));
  const std::string value = good.string() + "::/nonexistent/qtune:" + dup.string();
  ::setenv("QTUNE_PLUGIN_PATH", value.c_str(), 1);
  const auto dirs = PluginHost::default_search_path();
  if (saved) ::setenv("QTUNE_PLUGIN_PATH", saved_value.c_str(), 1);
  else ::unsetenv("QTUNE_PLUGIN_PATH");

  auto pos = [&](const std::filesystem::path& p) { return std::find(dirs.begin(), dirs.end(), p) - dirs.begin(); };
  ASSERT_LT(pos(good), static_cast<long>(dirs.size()));
  ASSERT_LT(pos(dup), static_cast<long>(dirs.size()));
  EXPECT_LT(pos(good), pos(dup));  // environment order is kept
  EXPECT_EQ(pos("/nonexistent/qtune"), static_cast<long>(dirs.size()));
}

}  // namespace
}  // namespace qtune
