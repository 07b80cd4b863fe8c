#pragma once
// Plugin descriptor and the one registration macro per plugin library.
//
//   QTUNE_PLUGIN("pass", "kl", "1.0.0", "KL-divergence activation calibration", KlCalibration)
//
// exports exactly one symbol, `qtune_plugin` (through BOOST_DLL_ALIAS), a function that
// returns the library's PluginDescriptor. The host reads abi_version before anything
// else and refuses a library built for another SDK ABI. CLASS must derive from the
// interface of its kind (Pass, Analyser, Strategy, Contract), be default-constructible,
// and may define `static OptionSchema option_schema()` (else: no options).
#include <cstdint>
#include <memory>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include "qtune/abi.h"
#include "qtune/options.h"

namespace qtune {

// Base of every object a plugin library creates. Out-of-line destructor in the SDK
// library keeps type identity across libraries.
class BOOST_SYMBOL_VISIBLE Plugin {
 public:
  virtual ~Plugin();
};

struct PluginDescriptor {
  std::uint32_t abi_version;             // MUST stay the first member, whatever the ABI
  const char* kind;                      // "pass" | "analyser" | "strategy" | "contract"
  const char* name;                      // unique per kind
  const char* version;                   // the plugin's own version, e.g. "1.0.0"
  const char* summary;                   // one line for `qtune plugins`
  OptionSchema (*options)();
  std::unique_ptr<Plugin> (*create)();
};

using PluginEntry = const PluginDescriptor*();
inline constexpr const char* kPluginEntrySymbol = "qtune_plugin";

namespace detail {
template <class T, class = void>
struct HasSchema : std::false_type {};
template <class T>
struct HasSchema<T, std::void_t<decltype(T::option_schema())>> : std::true_type {};
template <class T>
OptionSchema schema_of() {
  if constexpr (HasSchema<T>::value) return T::option_schema();
  else return {};
}
}  // namespace detail

}  // namespace qtune

#define QTUNE_PLUGIN(KIND, NAME, VERSION, SUMMARY, CLASS)                                    \
  namespace {                                                                                 \
  ::qtune::OptionSchema qtune_plugin_options_() { return ::qtune::detail::schema_of<CLASS>(); } \
  std::unique_ptr<::qtune::Plugin> qtune_plugin_create_() { return std::make_unique<CLASS>(); } \
  const ::qtune::PluginDescriptor qtune_plugin_descriptor_{                                   \
      ::qtune::kAbiVersion, KIND, NAME, VERSION, SUMMARY, &qtune_plugin_options_, &qtune_plugin_create_}; \
  const ::qtune::PluginDescriptor* qtune_plugin_entry_() { return &qtune_plugin_descriptor_; } \
  }                                                                                           \
  BOOST_DLL_ALIAS(qtune_plugin_entry_, qtune_plugin)
