#pragma once
// Builds SettingPlugins from the loaded pass plugins: each pass's setting_key() names
// the block it owns (its option schema checks that block); passes with an empty key are
// calibration algorithms, selected by calib_algorithm.
#include "host/plugin_host.h"
#include "run/resolved_setting.h"

namespace qtune {

// Two passes claiming the same setting key is an InputError naming both plugins.
SettingPlugins setting_plugins(const PluginHost& host);

}  // namespace qtune
