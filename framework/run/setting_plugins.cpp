#include "run/setting_plugins.h"

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/pass.h"

namespace qtune {

SettingPlugins setting_plugins(const PluginHost& host) {
  SettingPlugins out;
  out.searched = host.searched_directories();
  for (const LoadedPlugin* plugin : host.of_kind("pass")) {
    // Kind "pass" guarantees the class derives Pass (plugin.h); no dynamic_cast across libraries.
    const std::unique_ptr<Plugin> instance = host.create("pass", plugin->name);
    const std::string key = static_cast<const Pass&>(*instance).setting_key();
    if (key.empty()) {
      out.calibration_algorithms.push_back(plugin->name);
      continue;
    }
    auto [it, inserted] = out.blocks.try_emplace(key, BlockSchema{plugin->name, host.option_schema(*plugin)});
    if (!inserted) {
      const LoadedPlugin* first = host.find("pass", it->second.plugin);
      throw InputError(fmt::format("setting key '{}' is claimed by two pass plugins: '{}' ({}) and '{}' ({})", key,
                                   it->second.plugin, first ? first->path.string() : "?", plugin->name,
                                   plugin->path.string()));
    }
  }
  return out;
}

}  // namespace qtune
