// The only file of qtune that touches Boost.DLL (conventions: keep DLL calls in one place;
// Boost 1.74 has no import_symbol, so shared_library + get_alias it is).
#include "host/plugin_library.h"

#include <mutex>
#include <vector>

#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {
namespace {

// Every library ever opened. Leaked on purpose: objects made by a plugin (and their
// vtables) may be destroyed during static destruction, after a container with a
// destructor would have unloaded the code they live in.
std::vector<boost::dll::shared_library>& open_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

std::mutex& libraries_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

}  // namespace

PluginEntry* open_plugin_library(const std::filesystem::path& path, const std::string& symbol) {
  // An absolute path keeps dlopen away from LD_LIBRARY_PATH and the system folders.
  const std::filesystem::path absolute = std::filesystem::absolute(path);
  if (!std::filesystem::is_regular_file(absolute))
    throw InputError(fmt::format("{}: no such library file", absolute.string()));

  boost::dll::fs::error_code ec;
  // rtld_now: an unresolved symbol fails here, not in the middle of an iteration;
  // rtld_local: two plugins' private symbols never collide.
  boost::dll::shared_library library(boost::dll::fs::path(absolute.string()), ec,
                                     boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec || !library.is_loaded()) {
    const char* text = ::dlerror();
    throw InputError(fmt::format("{}: cannot load shared library: {}", absolute.string(),
                                 text ? text : ec.message()));
  }
  if (!library.has(symbol)) return nullptr;

  // BOOST_DLL_ALIAS exports a variable holding a pointer to the entry function.
  PluginEntry* entry = &library.get_alias<PluginEntry>(symbol);
  std::lock_guard<std::mutex> lock(libraries_mutex());
  open_libraries().push_back(std::move(library));
  return entry;
}

}  // namespace qtune
