#pragma once
// PluginHost: finds, checks and loads plugin libraries (Boost.DLL lives only in
// plugin_library.cpp). Libraries stay loaded for the life of the process.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "qtune/plugin.h"

namespace qtune {

struct LoadedPlugin {
  std::string kind;
  std::string name;
  std::string version;
  std::string summary;
  std::filesystem::path path;
  const PluginDescriptor* descriptor = nullptr;
};

class PluginHost {
 public:
  // Default search path, in order: the build tree's plugin dir, the install prefix's,
  // then every entry of QTUNE_PLUGIN_PATH (':'-separated). Missing dirs are skipped.
  static std::vector<std::filesystem::path> default_search_path();

  // Loads every lib*.so in `dirs` (non-recursive, sorted by name). A library without the
  // qtune entry symbol, with another ABI version, or whose (kind, name) is already
  // loaded from another file is an InputError naming the file(s) and versions.
  void load_directories(const std::vector<std::filesystem::path>& dirs);
  void load_file(const std::filesystem::path& path);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const LoadedPlugin* find(const std::string& kind, const std::string& name) const;
  std::vector<const LoadedPlugin*> of_kind(const std::string& kind) const;
  // Creates an instance; errors name the plugin.
  std::unique_ptr<Plugin> create(const std::string& kind, const std::string& name) const;

 private:
  std::vector<LoadedPlugin> plugins_;
};

}  // namespace qtune
