#pragma once
// The one place that calls Boost.DLL: open a shared library (RTLD_NOW), keep it open for
// the whole process, and fetch the qtune entry function from it.
#include <filesystem>
#include <string>

#include "qtune/plugin.h"

namespace qtune {

// Returns the library's entry function, or nullptr when the library loads but does not
// export `symbol`. Throws InputError naming the file when it cannot be loaded at all.
// The library is never unloaded.
PluginEntry* open_plugin_library(const std::filesystem::path& path, const std::string& symbol);

}  // namespace qtune
