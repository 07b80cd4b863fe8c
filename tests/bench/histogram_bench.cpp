// Time per value of AbsHistogram::add (the kl/mse second pass), a benchmark, not a test:
// kl's int8 histogram (4096 bins) over synthetic activations shaped like the ones det and
// MobileNetV2 feed it — normal values spread over the range, a range set by an outlier (all
// values in the first ~2 % of bins), half zeros (ReLU), all zeros — at 10^5 and 6·10^5
// values (the size of most calibrated tensors of a batch). Best of 20 calls each.
//
//   qtune_bench_histogram
#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "qtune/calib/histogram.h"

int main() {
  using Clock = std::chrono::steady_clock;
  constexpr std::int64_t kBins = 4096;
  constexpr double kRange = 5.0;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const std::vector<std::string> shapes = {"normal", "outlier range", "half zeros", "all zeros"};
  for (std::size_t shape = 0; shape < shapes.size(); ++shape) {
    for (const std::size_t n : {std::size_t{100000}, std::size_t{600000}}) {
      std::vector<float> v(n);
      for (float& x : v) x = normal(rng);
      if (shape == 1) for (float& x : v) x *= 0.02f;
      if (shape == 2) for (std::size_t i = 0; i < n; i += 2) v[i] = 0.0f;
      if (shape == 3) std::fill(v.begin(), v.end(), 0.0f);
      double best = 1e30;
      for (int r = 0; r < 20; ++r) {
        qtune::calib::AbsHistogram h(kBins, kRange / kBins);
        const auto t0 = Clock::now();
        h.add(v);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
      }
      fmt::print("{:<14} n {:>7}: {:.3f} ns/value\n", shapes[shape], n, best / static_cast<double>(n) * 1e9);
    }
  }
  return 0;
}
