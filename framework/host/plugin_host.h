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

// Not thread-safe: load every plugin on one thread before any TBB work starts.
class PluginHost {
 public:
  // Default search path, in order: the build tree's plugin dir, the install prefix's,
  // then every entry of QTUNE_PLUGIN_PATH (':'-separated). Missing dirs are skipped.
  static std::vector<std::filesystem::path> default_search_path();
  // The same folders before existence checks (for "looked in ..." messages).
  static std::vector<std::filesystem::path> default_search_candidates();

  // Loads every lib*.so in `dirs` (non-recursive, sorted by name). A library without the
  // qtune entry symbol, with another ABI version, or whose (kind, name) is already
  // loaded from another file is an InputError naming the file(s) and versions. So is a
  // folder that does not exist (default_search_path() already drops missing ones) and a
  // contract library (contracts are loaded by ContractHost, from --contract).
  void load_directories(const std::vector<std::filesystem::path>& dirs);
  void load_file(const std::filesystem::path& path);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const LoadedPlugin* find(const std::string& kind, const std::string& name) const;
  std::vector<const LoadedPlugin*> of_kind(const std::string& kind) const;
  // Creates an instance; errors name the plugin.
  std::unique_ptr<Plugin> create(const std::string& kind, const std::string& name) const;
  // The plugin's declared options (the call into the library is checked like create()).
  OptionSchema option_schema(const LoadedPlugin& plugin) const;
  // Every folder load_directories() scanned, for "no plugins found in: ..." messages.
  const std::vector<std::filesystem::path>& searched_directories() const { return searched_; }

 private:
  std::vector<LoadedPlugin> plugins_;
  std::vector<std::filesystem::path> searched_;
};

}  // namespace qtune
