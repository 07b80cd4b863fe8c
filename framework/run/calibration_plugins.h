#pragma once
// The calibration plugins one iteration uses, created on first use (through PluginHost,
// static_cast after checking the pass is a calibration algorithm: no dynamic_cast across
// plugin libraries), each with its options resolved by its schema (defaults).
// make_observer() is thread-safe: the calibration driver asks from TBB workers.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "host/plugin_host.h"
#include "qtune/calibration.h"

namespace qtune {

class CalibrationPlugins {
 public:
  explicit CalibrationPlugins(const PluginHost& host) : host_(host) {}
  // InputError naming the algorithm and the directories searched when it is not installed.
  std::unique_ptr<Observer> make_observer(const std::string& algorithm, const TensorQuantConfig& config);

 private:
  struct Loaded {
    std::unique_ptr<Plugin> owner;
    const CalibrationAlgorithm* algorithm = nullptr;
    OptionValues options;
  };
  Loaded load(const std::string& name) const;

  const PluginHost& host_;
  std::mutex mutex_;
  std::map<std::string, Loaded> algorithms_;
};

}  // namespace qtune
