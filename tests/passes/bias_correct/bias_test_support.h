#pragma once
// Helpers of the bias correction tests: hand-made quantization configs, a naive
// quantizer and convolution written independently of the SDK's, and the real plugin
// loaded from the build tree and run through the framework's pass context.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "host/plugin_host.h"
#include "qtune/graph.h"
#include "qtune/log.h"
#include "qtune/pass.h"
#include "qtune/quant_graph.h"
#include "run/pass_context.h"

namespace qtune::bias_test {

// A config applied at `applied_at`, exponent `exponent`, `bits`-bit symmetric range.
inline QuantSlot config(int exponent, const std::string& applied_at, int bits = 8,
                        QuantState state = QuantState::Calibrated) {
  auto c = std::make_shared<TensorQuantConfig>();
  c->bits = bits;
  c->quant_min = -(std::int64_t{1} << (bits - 1));
  c->quant_max = (std::int64_t{1} << (bits - 1)) - 1;
  c->exponents = {exponent};
  c->state = state;
  c->applied_at = applied_at;
  return c;
}

// clamp(round_half_even(x / 2^e), qmin, qmax) * 2^e, in double.
inline double quantize(double x, int exponent, int bits = 8) {
  const double scale = std::ldexp(1.0, exponent);
  const double qmax = std::ldexp(1.0, bits - 1) - 1, qmin = -std::ldexp(1.0, bits - 1);
  return std::fmin(std::fmax(std::nearbyint(x / scale), qmin), qmax) * scale;
}
inline std::vector<double> quantize(const std::vector<double>& x, int exponent, int bits = 8) {
  std::vector<double> q;
  for (double v : x) q.push_back(quantize(v, exponent, bits));
  return q;
}

// NCHW convolution, stride 1, `pad` zeros on every side, weights [O, I, K, K].
struct ConvShape {
  int n, c, h, w, o, k, pad;
  int oh() const { return h + 2 * pad - k + 1; }
  int ow() const { return w + 2 * pad - k + 1; }
};
inline std::vector<double> conv2d(const ConvShape& s, const std::vector<double>& x, const std::vector<double>& wt,
                                  const std::vector<double>& bias) {
  std::vector<double> y(static_cast<std::size_t>(s.n * s.o * s.oh() * s.ow()));
  for (int n = 0; n < s.n; ++n)
    for (int o = 0; o < s.o; ++o)
      for (int i = 0; i < s.oh(); ++i)
        for (int j = 0; j < s.ow(); ++j) {
          double acc = bias[static_cast<std::size_t>(o)];
          for (int c = 0; c < s.c; ++c)
            for (int a = 0; a < s.k; ++a)
              for (int b = 0; b < s.k; ++b) {
                const int yy = i + a - s.pad, xx = j + b - s.pad;
                if (yy < 0 || xx < 0 || yy >= s.h || xx >= s.w) continue;
                acc += x[static_cast<std::size_t>(((n * s.c + c) * s.h + yy) * s.w + xx)] *
                       wt[static_cast<std::size_t>(((o * s.c + c) * s.k + a) * s.k + b)];
              }
          y[static_cast<std::size_t>(((n * s.o + o) * s.oh() + i) * s.ow() + j)] = acc;
        }
  return y;
}

// Mean of each channel of an [N, C, H, W] (or [N, C]) buffer.
inline std::vector<double> channel_mean(const std::vector<double>& y, int n, int c) {
  const std::size_t inner = y.size() / static_cast<std::size_t>(n * c);
  std::vector<double> m(static_cast<std::size_t>(c), 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < c; ++k)
      for (std::size_t j = 0; j < inner; ++j) m[static_cast<std::size_t>(k)] += y[(static_cast<std::size_t>(i * c + k)) * inner + j];
  for (double& v : m) v /= static_cast<double>(static_cast<std::size_t>(n) * inner);
  return m;
}

inline double mse(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

inline std::vector<double> values(const Tensor& t) {
  const auto f = t.to_float();
  return {f.begin(), f.end()};
}
inline Tensor tensor(const Shape& shape, const std::vector<double>& v) {
  return Tensor::from<float>(shape, std::vector<float>(v.begin(), v.end()));
}
// The float32 value a double rounds to (graphs hold float32 parameters and inputs).
inline std::vector<double> as_float(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v) out.push_back(static_cast<float>(x));
  return out;
}

class RecordingLog final : public Log {
 public:
  void info(std::string_view m) override { infos.emplace_back(m); }
  void warn(std::string_view m) override { warnings.emplace_back(m); }
  void progress(std::string_view task, long done, long total) override {
    progress_lines.push_back(std::string(task) + ": " + std::to_string(done) + "/" + std::to_string(total));
  }
  std::vector<std::string> infos, warnings, progress_lines;
};

// The bias_correct plugin from the build tree, run on `graph` (already quantized; its
// float reference is a copy taken now, before the pass changes biases).
struct BiasPassRun {
  PassResult result;
  RecordingLog log;
};
inline std::unique_ptr<BiasPassRun> run_bias_pass(Graph& graph, const std::vector<Batch>& batches,
                                                  const std::map<std::string, OptionValue>& given = {}) {
  static PluginHost host = [] {
    PluginHost h;
    h.load_file(QTUNE_BIAS_PLUGIN);
    return h;
  }();
  auto run = std::make_unique<BiasPassRun>();
  const LoadedPlugin* loaded = host.find("pass", "bias_correct");
  const OptionValues options = resolve_options(host.option_schema(*loaded), given, "pass 'bias_correct'");
  std::unique_ptr<Plugin> plugin = host.create("pass", "bias_correct");
  auto& pass = static_cast<Pass&>(*plugin);
  static const ContractConfig config;
  IterationPassContext context(graph, config, TargetInfo{}, batches, run->log);
  context.snapshot_float_graph();
  run->result = pass.run(context, options);
  return run;
}

}  // namespace qtune::bias_test
