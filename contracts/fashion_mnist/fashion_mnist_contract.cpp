// The Fashion-MNIST example contract: calibration on the first training images, top-1 /
// top-5 on the 10k test set. One source, two libraries (model_variant.h).
#include <algorithm>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "batch_list_loader.h"
#include "fashion_dataset.h"
#include "model_variant.h"
#include "qtune/contract.h"
#include "qtune/error.h"
#include "topk_accuracy.h"

namespace qtune::fashion_mnist {

namespace {

constexpr std::int64_t kEvalBatch = 100;       // test images per model.run batch
constexpr std::int64_t kFastSamples = 1000;    // evaluate_fast: the first 1000 test images
constexpr std::int64_t kTrainImages = 60000;   // calibration never reads past the training set

struct TestSet {
  std::vector<Batch> batches;         // kEvalBatch images each, in file order
  std::vector<std::uint8_t> labels;
};

std::int64_t input_side() { return kImageSide + 2 * kVariant.pad; }

// A model of another input size would fail deep in the executor; say it plainly here.
void check_model(const Model& model) {
  const auto shapes = model.input_shapes();
  const Shape want{1, input_side(), input_side()};
  if (shapes.size() != 1 || shapes[0].size() != 4 || !std::equal(want.begin(), want.end(), shapes[0].begin() + 1))
    throw Error(fmt::format("contract '{}': the model ({}) must have one input [N, 1, {}, {}], it has {} input(s){}",
                            FASHION_MNIST_CONTRACT_NAME, model.description(), input_side(), input_side(), shapes.size(),
                            shapes.empty() ? "" : ", the first " + shape_str(shapes[0])));
}

}  // namespace

class FashionMnistContract final : public Contract {
 public:
  std::string quant_config() const override {
    return fmt::format(R"({{
  "model": "{}",
  "model_name": "{}",
  "input_shape": [1, 1, {}, {}],
  "batch_size": 32,
  "target": "esp32p4",
  "num_of_bits": 8,
  "calib_steps": 32,
  "primary_metric": "top1",
  "metric_direction": "max",
  "target_metric": {},
  "analyse_steps": 8,
  "top_k_layers": 20,
  "non_computing_top_k": 10,
  "graphwise_intervening_excess_threshold": 0.02,
  "deploy_runtime_priority": "balanced"
}})",
                       kVariant.model_file, kVariant.model_name, input_side(), input_side(), kVariant.target_top1);
  }

  // The first calib_steps * batch_size training images, in file order (deterministic).
  std::unique_ptr<BatchLoader> calibration_data(const ContractConfig& config) override {
    if (config.batch_size <= 0) throw InputError(fmt::format("batch_size must be positive, got {}", config.batch_size));
    const std::int64_t steps = std::min(config.calib_steps, kTrainImages / config.batch_size);
    const FashionSplit train = load_split(data_directory(), "train", steps * config.batch_size);
    const std::int64_t batches = train.count / config.batch_size;
    std::vector<Batch> out;
    out.reserve(static_cast<std::size_t>(batches));
    for (std::int64_t b = 0; b < batches; ++b)
      out.push_back({preprocess(train, b * config.batch_size, (b + 1) * config.batch_size, kVariant.pad)});
    return std::make_unique<BatchListLoader>(std::move(out));
  }

  Metrics evaluate(const Model& model) override { return evaluate_first(model, -1); }
  bool has_evaluate_fast() const override { return true; }
  Metrics evaluate_fast(const Model& model) override { return evaluate_first(model, kFastSamples); }

 private:
  // Top-1 / top-5 over the first `samples` test images (all when < 0).
  Metrics evaluate_first(const Model& model, std::int64_t samples) {
    check_model(model);
    const TestSet& test = test_set();
    const auto total = static_cast<std::int64_t>(test.labels.size());
    const std::int64_t count = samples < 0 ? total : std::min(samples, total);
    const auto batches = static_cast<std::size_t>((count + kEvalBatch - 1) / kEvalBatch);
    const std::vector<Batch> outputs = model.run_many({test.batches.data(), batches});
    if (outputs.size() != batches)
      throw Error(fmt::format("model.run_many returned {} results for {} batches", outputs.size(), batches));
    TopKAccuracy accuracy;
    for (std::size_t b = 0; b < batches; ++b) {
      if (outputs[b].empty()) throw Error(fmt::format("model.run_many returned no output for batch {}", b));
      const auto begin = static_cast<std::int64_t>(b) * kEvalBatch;
      const auto n = test.batches[b][0].dim(0);
      accuracy.add(outputs[b][0], std::span(test.labels).subspan(begin, n), kNumClasses);
    }
    return accuracy.metrics();
  }

  // Loaded on first use and kept: evaluate runs once per iteration on the same images.
  const TestSet& test_set() {
    std::lock_guard lock(mutex_);
    if (!test_) {
      const FashionSplit split = load_split(data_directory(), "t10k");
      TestSet test;
      for (std::int64_t begin = 0; begin < split.count; begin += kEvalBatch)
        test.batches.push_back({preprocess(split, begin, std::min(begin + kEvalBatch, split.count), kVariant.pad)});
      test.labels = split.labels;
      test_ = std::move(test);
    }
    return *test_;
  }

  std::mutex mutex_;
  std::optional<TestSet> test_;
};

}  // namespace qtune::fashion_mnist

QTUNE_CONTRACT(FASHION_MNIST_CONTRACT_NAME, "1.0.0", qtune::fashion_mnist::FashionMnistContract)
