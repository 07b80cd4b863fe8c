// A descriptor written by hand, as a plugin built against a future SDK would carry:
// abi_version 999. The host must refuse it before reading any other field.
#include <memory>

#include <boost/dll/alias.hpp>

#include "qtune/plugin.h"

namespace {

const qtune::PluginDescriptor kDescriptor{999, "pass", "future_pass", "9.0.0", "built for another SDK", nullptr,
                                          nullptr};
const qtune::PluginDescriptor* entry() { return &kDescriptor; }

}  // namespace

BOOST_DLL_ALIAS(entry, qtune_plugin)
