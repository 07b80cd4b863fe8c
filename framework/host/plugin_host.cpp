#include "host/plugin_host.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "host/plugin_library.h"
#include "qtune/error.h"

namespace qtune {
namespace {

// The kinds a plugin directory may hold; contracts are loaded from --contract instead.
const std::vector<std::string> kPluginKinds = {"pass", "analyser", "strategy"};

bool is_plugin_file(const std::filesystem::directory_entry& entry) {
  const std::string file = entry.path().filename().string();
  return entry.is_regular_file() && file.starts_with("lib") && entry.path().extension() == ".so";
}

std::string text_or(const char* s, const char* fallback) { return s && *s ? s : fallback; }

std::filesystem::path canonical_or_absolute(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::canonical(path, ec);
  return ec ? std::filesystem::absolute(path) : canonical;
}

std::string plugin_label(const LoadedPlugin& p) {
  return fmt::format("{} plugin '{}' ({})", p.kind, p.name, p.path.string());
}

}  // namespace

std::vector<std::filesystem::path> PluginHost::default_search_candidates() {
  std::vector<std::filesystem::path> candidates = {QTUNE_PLUGIN_BUILD_DIR, QTUNE_PLUGIN_INSTALL_DIR};
  if (const char* env = std::getenv("QTUNE_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) candidates.emplace_back(entry);
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  }
  return candidates;
}

std::vector<std::filesystem::path> PluginHost::default_search_path() {
  std::vector<std::filesystem::path> dirs;
  for (const auto& dir : default_search_candidates()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    const auto canonical = canonical_or_absolute(dir);
    if (std::find(dirs.begin(), dirs.end(), canonical) == dirs.end()) dirs.push_back(canonical);
  }
  return dirs;
}

void PluginHost::load_directories(const std::vector<std::filesystem::path>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      throw InputError(fmt::format("plugin directory '{}' does not exist or is not a directory", dir.string()));
    const auto canonical = canonical_or_absolute(dir);
    // The same folder reached twice (build dir also in QTUNE_PLUGIN_PATH) is not a duplicate.
    if (std::find(searched_.begin(), searched_.end(), canonical) != searched_.end()) continue;
    searched_.push_back(canonical);

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(canonical))
      if (is_plugin_file(entry)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) load_file(file);
  }
}

void PluginHost::load_file(const std::filesystem::path& path) {
  const std::filesystem::path file = canonical_or_absolute(path);
  for (const auto& p : plugins_)
    if (p.path == file) return;  // already loaded from this very file

  PluginEntry* entry = open_plugin_library(file, kPluginEntrySymbol);
  if (!entry)
    throw InputError(fmt::format("{}: not a qtune plugin: no '{}' export (remove it from the plugin directory, "
                                 "or register it with QTUNE_PLUGIN)",
                                 file.string(), kPluginEntrySymbol));
  const PluginDescriptor* descriptor = entry();
  if (!descriptor) throw InputError(fmt::format("{}: '{}' returned no descriptor", file.string(), kPluginEntrySymbol));
  // Only the first member is readable before the ABI matches; nothing else is touched.
  if (descriptor->abi_version != kAbiVersion)
    throw InputError(fmt::format("plugin library '{}' was built for SDK ABI {}, this host supports {}",
                                 file.string(), descriptor->abi_version, kAbiVersion));

  LoadedPlugin plugin{text_or(descriptor->kind, ""), text_or(descriptor->name, ""),
                      text_or(descriptor->version, "?"), text_or(descriptor->summary, ""), file, descriptor};
  if (plugin.kind == "contract")
    throw InputError(fmt::format("{}: is the contract '{}', not a plugin; pass contracts with --contract and keep "
                                 "them out of plugin directories",
                                 file.string(), plugin.name));
  if (std::find(kPluginKinds.begin(), kPluginKinds.end(), plugin.kind) == kPluginKinds.end())
    throw InputError(fmt::format("{}: unknown plugin kind '{}', expected pass, analyser or strategy", file.string(),
                                 plugin.kind));
  if (plugin.name.empty()) throw InputError(fmt::format("{}: {} plugin without a name", file.string(), plugin.kind));
  if (!descriptor->create)
    throw InputError(fmt::format("{}: {} plugin '{}' has no factory", file.string(), plugin.kind, plugin.name));

  if (const LoadedPlugin* other = find(plugin.kind, plugin.name))
    throw InputError(fmt::format("duplicate {} plugin '{}': {} (version {}) and {} (version {})", plugin.kind,
                                 plugin.name, other->path.string(), other->version, file.string(), plugin.version));
  plugins_.push_back(std::move(plugin));
}

const LoadedPlugin* PluginHost::find(const std::string& kind, const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.kind == kind && p.name == name) return &p;
  return nullptr;
}

std::vector<const LoadedPlugin*> PluginHost::of_kind(const std::string& kind) const {
  std::vector<const LoadedPlugin*> result;
  for (const auto& p : plugins_)
    if (p.kind == kind) result.push_back(&p);
  std::sort(result.begin(), result.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return result;
}

std::unique_ptr<Plugin> PluginHost::create(const std::string& kind, const std::string& name) const {
  const LoadedPlugin* plugin = find(kind, name);
  if (!plugin) {
    std::string known;
    for (const LoadedPlugin* p : of_kind(kind)) known += (known.empty() ? "" : ", ") + p->name;
    throw InputError(fmt::format("unknown {} plugin '{}'; known {} plugins: {}", kind, name, kind,
                                 known.empty() ? "none loaded" : known));
  }
  std::unique_ptr<Plugin> instance;
  try {
    instance = plugin->descriptor->create();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: create() failed: {}", plugin_label(*plugin), e.what()));
  } catch (...) {
    throw Error(fmt::format("{}: create() failed with a non-standard exception", plugin_label(*plugin)));
  }
  if (!instance) throw Error(fmt::format("{}: create() returned no object", plugin_label(*plugin)));
  return instance;
}

OptionSchema PluginHost::option_schema(const LoadedPlugin& plugin) const {
  if (!plugin.descriptor->options) return {};
  try {
    return plugin.descriptor->options();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: options() failed: {}", plugin_label(plugin), e.what()));
  } catch (...) {
    throw Error(fmt::format("{}: options() failed with a non-standard exception", plugin_label(plugin)));
  }
}

}  // namespace qtune
