#include "run/calibration_plugins.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "qtune/error.h"

namespace qtune {

std::unique_ptr<Observer> CalibrationPlugins::make_observer(const std::string& algorithm,
                                                            const TensorQuantConfig& config) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = algorithms_.find(algorithm);
  if (it == algorithms_.end()) it = algorithms_.emplace(algorithm, load(algorithm)).first;
  return it->second.algorithm->make_observer(config, it->second.options);
}

CalibrationPlugins::Loaded CalibrationPlugins::load(const std::string& name) const {
  const LoadedPlugin* plugin = host_.find("pass", name);
  if (!plugin) {
    std::vector<std::string> dirs;
    for (const auto& d : host_.searched_directories()) dirs.push_back(d.string());
    throw InputError(fmt::format("calibration observer '{}' needs calibration plugin '{}', not installed (searched: {})",
                                 name, name, dirs.empty() ? "no plugin directories" : fmt::format("{}", fmt::join(dirs, ", "))));
  }
  Loaded out;
  out.owner = host_.create("pass", name);
  // Kind "pass" guarantees a Pass; an empty setting_key() marks a CalibrationAlgorithm.
  const Pass& pass = static_cast<const Pass&>(*out.owner);
  if (!pass.setting_key().empty())
    throw InputError(fmt::format("pass plugin '{}' ({}) owns setting block '{}'; it is not a calibration algorithm",
                                 name, plugin->path.string(), pass.setting_key()));
  out.algorithm = static_cast<const CalibrationAlgorithm*>(&pass);
  out.options = resolve_options(host_.option_schema(*plugin), {}, fmt::format("calibration plugin '{}'", name));
  return out;
}

}  // namespace qtune
