// Float forward time per image of the qtune executor (a benchmark, not a test).
//
//   qtune_bench_forward --model M.onnx --input-shape 1,3,224,320 [--batch 1,32] [--threads 2]
//                       [--warmup 2] [--iters 10] [--seed 1] [--profile]
//
// The counterpart of tests/fixtures/tools/ort_bench.mjs (same arguments, same input data: the
// make_input.mjs LCG, uniform [-1, 1), seed --seed), so tests/bench/run_float_bench.sh can put
// the two side by side. Per batch: import the model with that batch size, simplify (what every
// qtune run does), plan the executor once, --warmup untimed runs, then --iters timed runs
// (steady_clock, one at a time). Prints one JSON line per batch:
//   {model, batch, threads, ms_per_image, ms_per_batch_min, ms_per_batch_median, iters, warmup}
// ms_per_image = median batch time / batch. --threads caps TBB (tbb::global_control); 0 = TBB's
// default. --profile adds a "profile" object: wall ms per op type (Conv split into depthwise, 1x1
// and KxK) summed over --iters extra runs and divided by iters (an OpHook times each op from its first map_input to on_outputs; ops run one
// after another, so this is the kernel time including its internal parallelism).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <span>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "exec/graph_executor.h"
#include "onnx/onnx_import.h"
#include "onnx/simplifier.h"
#include "qtune/executor.h"

namespace {

using Clock = std::chrono::steady_clock;
using qtune::Shape;
using qtune::Tensor;

constexpr const char* kUsage =
    "usage: qtune_bench_forward --model M.onnx --input-shape 1,3,224,320 [--batch 1,32] [--threads 2]\n"
    "                           [--warmup 2] [--iters 10] [--seed 1] [--profile]\n";

struct Options {
  std::string model;
  Shape shape;
  std::vector<std::int64_t> batches{1};
  int threads = 0;
  int warmup = 2;
  int iters = 10;
  std::uint32_t seed = 1;
  bool profile = false;
};

std::vector<std::int64_t> parse_list(const std::string& s, const char* what) {
  std::vector<std::int64_t> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t end = std::min(s.find_first_of(",x", pos), s.size());
    const std::string tok = s.substr(pos, end - pos);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(tok, &used);
    } catch (...) {
      used = 0;
    }
    if (tok.empty() || used != tok.size() || v < 1)
      throw std::invalid_argument(fmt::format("{}: bad value '{}' in '{}' (expected positive integers, e.g. 1,32)",
                                              what, tok, s));
    out.push_back(v);
    pos = end + 1;
  }
  return out;
}

int parse_int(const std::string& s, const char* what, int min) {
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(s, &used);
  } catch (...) {
    used = 0;
  }
  if (used != s.size() || s.empty() || v < min)
    throw std::invalid_argument(fmt::format("{} must be an integer >= {}, got '{}'", what, min, s));
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model = value();
    else if (a == "--input-shape") o.shape = parse_list(value(), "--input-shape");
    else if (a == "--batch") o.batches = parse_list(value(), "--batch");
    else if (a == "--threads") o.threads = parse_int(value(), "--threads", 0);
    else if (a == "--warmup") o.warmup = parse_int(value(), "--warmup", 0);
    else if (a == "--iters") o.iters = parse_int(value(), "--iters", 1);
    else if (a == "--seed") o.seed = static_cast<std::uint32_t>(parse_int(value(), "--seed", 0));
    else if (a == "--profile") o.profile = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else throw std::invalid_argument(fmt::format("unknown argument '{}'\n{}", a, kUsage));
  }
  if (o.model.empty() || o.shape.empty()) throw std::invalid_argument(std::string("--model and --input-shape are required\n") + kUsage);
  return o;
}

// make_input.mjs: s <- 1664525 s + 1013904223 (mod 2^32); x = -1 + 2 (s >> 8) / 2^24.
Tensor lcg_input(Shape shape, std::uint32_t seed) {
  Tensor t = Tensor::uninitialized(qtune::DType::Float32, std::move(shape));
  float* p = t.data<float>();
  std::uint32_t s = seed;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    s = 1664525u * s + 1013904223u;
    p[i] = -1.0f + 2.0f * static_cast<float>(s >> 8) / 16777216.0f;
  }
  return t;
}

// Wall time per op type: from an op's first map_input to its on_outputs. Valid because the
// executor runs the ops of one run() one after another on the calling thread.
class OpTimer final : public qtune::OpHook {
 public:
  bool map_input(const qtune::Op& op, std::size_t index, const Tensor& value, Tensor&) override {
    if (&op != current_) {
      current_ = &op;
      label_ = op.type;
      start_ = Clock::now();
    }
    // Conv split by kind: depthwise, pointwise (1x1) and the rest (im2col + GEMM).
    if (op.type == "Conv" && index == 1 && value.rank() == 4) {
      if (op.attributes.get_int("group", 1) > 1 && value.dim(1) == 1) label_ = "Conv depthwise";
      else if (value.dim(2) == 1 && value.dim(3) == 1) label_ = "Conv 1x1";
      else label_ = "Conv KxK";
    }
    return false;
  }
  void on_outputs(const qtune::Op& op, std::span<Tensor>) override {
    const auto end = Clock::now();
    if (&op != current_) {  // an op without inputs
      start_ = end;
      label_ = op.type;
    }
    auto& e = per_type_[label_];
    e.ms += std::chrono::duration<double, std::milli>(end - start_).count();
    e.calls += 1;
    current_ = nullptr;
  }
  void reset() { per_type_.clear(); }
  struct Entry {
    double ms = 0;
    std::int64_t calls = 0;
  };
  const std::map<std::string, Entry>& per_type() const { return per_type_; }

 private:
  const qtune::Op* current_ = nullptr;
  std::string label_;
  Clock::time_point start_;
  std::map<std::string, Entry> per_type_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double r3(double x) { return static_cast<double>(static_cast<std::int64_t>(x * 1000 + 0.5)) / 1000; }

void bench_batch(const Options& o, std::int64_t batch, int threads) {
  Shape shape = o.shape;
  shape[0] = batch;
  qtune::ImportOptions import_options;
  import_options.input_shapes = {shape};
  qtune::Graph graph = qtune::import_onnx(o.model, import_options);
  qtune::simplify(graph);
  if (graph.inputs().size() != 1)
    throw std::runtime_error(fmt::format("{}: has {} inputs; the bench supports one", o.model, graph.inputs().size()));
  const auto exec = qtune::make_executor(graph);
  const std::vector<Tensor> inputs{lcg_input(shape, o.seed)};

  for (int i = 0; i < o.warmup; ++i) exec->run(inputs);
  std::vector<double> times;
  for (int i = 0; i < o.iters; ++i) {
    const auto t0 = Clock::now();
    exec->run(inputs);
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  const double med = median(times);
  std::string line = fmt::format(
      R"({{"model": "{}", "batch": {}, "threads": {}, "ms_per_image": {}, "ms_per_batch_min": {}, )"
      R"("ms_per_batch_median": {}, "iters": {}, "warmup": {})",
      std::filesystem::path(o.model).filename().string(), batch, threads, r3(med / batch),
      r3(*std::min_element(times.begin(), times.end())), r3(med), o.iters, o.warmup);
  if (o.profile) {
    // Separate timed runs, so the hook's own cost does not touch the figures above.
    OpTimer timer;
    std::vector<double> hooked;
    for (int i = 0; i < o.iters; ++i) {
      const auto t0 = Clock::now();
      exec->run(inputs, &timer);
      hooked.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::vector<std::pair<std::string, OpTimer::Entry>> rows(timer.per_type().begin(), timer.per_type().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
    double total = 0;
    for (double t : hooked) total += t;
    line += fmt::format(R"(, "profiled_ms_per_batch_mean": {}, "profile": {{)", r3(total / o.iters));
    for (std::size_t i = 0; i < rows.size(); ++i)
      line += fmt::format(R"({}"{}": {{"ms_per_batch": {}, "ops": {}}})", i ? ", " : "", rows[i].first,
                          r3(rows[i].second.ms / o.iters), rows[i].second.calls / o.iters);
    line += "}";
  }
  line += "}";
  std::puts(line.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse_args(argc, argv);
    if (!std::filesystem::exists(o.model)) throw std::runtime_error("model not found: " + o.model);
    std::unique_ptr<tbb::global_control> limit;
    if (o.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(o.threads));
    const int threads = static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    for (std::int64_t b : o.batches) bench_batch(o, b, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qtune_bench_forward: %s\n", e.what());
    return 1;
  }
  return 0;
}
