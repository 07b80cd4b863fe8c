#pragma once
// What the calibration and analyser benchmarks share: their command line (--case NAME,
// --threads N (0: TBB's default), --repeat R, plus each benchmark's own flags) and the
// median they report over repeats.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/global_control.h>

namespace qtune::bench {

struct BenchArgs {
  std::string name;  // --case
  int threads = 0;
  int repeat = 1;
};

// Parses argv into `args`. A flag it does not know goes to `extra(flag, next)` (next() reads
// the flag's value) and is an error when that returns false. On an error or without --case
// it prints `usage` and returns false.
inline bool parse_bench_args(int argc, char** argv, BenchArgs& args, const std::string& usage,
                             const std::function<bool(const std::string&, const std::function<std::string()>&)>& extra) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const std::function<std::string()> next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--case") args.name = next();
    else if (a == "--threads") args.threads = std::stoi(next());
    else if (a == "--repeat") args.repeat = std::max(1, std::stoi(next()));
    else if (!extra(a, next)) args.name.clear(), i = argc;
  }
  if (args.name.empty()) std::cerr << usage << "\n";
  return !args.name.empty();
}

// Caps TBB at `threads` worker threads for the object's lifetime (none when threads <= 0).
inline std::optional<tbb::global_control> thread_limit(int threads) {
  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  return limit;
}

// The upper median (the middle value of an odd count); 0 for none.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace qtune::bench
