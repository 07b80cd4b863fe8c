#pragma once
// Calibration through the real calibration plugins for the tests: activations with
// `algorithm` (kl: as `qtune iterate --baseline`), parameters with their own observers
// (minmax / percentile).
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "host/plugin_host.h"
#include "qtune/npy.h"
#include "quant/calibration_driver.h"

namespace qtune::test {

inline void calibrate_with_plugins(Graph& g, const std::vector<std::vector<Tensor>>& batches,
                                   const std::string& algorithm = "kl") {
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  std::map<std::string, std::unique_ptr<Plugin>> owners;
  std::map<std::string, const CalibrationAlgorithm*> algos;
  std::map<std::string, OptionValues> opts;
  for (const std::string& name : {algorithm, std::string("minmax"), std::string("percentile")}) {
    if (algos.count(name)) continue;
    const LoadedPlugin* p = host.find("pass", name);
    if (!p) throw std::runtime_error(fmt::format("calibration plugin '{}' not built", name));
    opts[name] = resolve_options(host.option_schema(*p), {}, name);
    owners[name] = host.create("pass", name);
    algos[name] = static_cast<const CalibrationAlgorithm*>(static_cast<const Pass*>(owners[name].get()));
  }
  CalibrationOptions options;
  options.calib_algorithm = algorithm;
  calibrate(g, batches, [&](const std::string& a, const TensorQuantConfig& cfg) { return algos.at(a)->make_observer(cfg, opts.at(a)); },
            options);
}

// Samples of `calib` (dim 0) in batches of `batch`, in order; `pad` zeros around H and W.
inline std::vector<std::vector<Tensor>> batches_of(const Tensor& calib, std::int64_t batch, std::int64_t pad = 0) {
  std::vector<std::vector<Tensor>> out;
  const std::int64_t n = calib.dim(0), per = calib.numel() / n;
  Shape s = calib.shape();
  const std::int64_t h = s[s.size() - 2], w = s.back(), planes = per / (h * w);
  for (std::int64_t first = 0; first + batch <= n; first += batch) {
    Shape bs = s;
    bs[0] = batch;
    bs[bs.size() - 2] = h + 2 * pad;
    bs.back() = w + 2 * pad;
    Tensor t(bs);
    for (std::int64_t k = 0; k < batch * planes; ++k)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          t.data<float>()[(k * (h + 2 * pad) + y + pad) * (w + 2 * pad) + x + pad] = calib.data<float>()[first * per + (k * h + y) * w + x];
    out.push_back({t});
  }
  return out;
}

}  // namespace qtune::test
