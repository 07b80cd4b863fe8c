#pragma once
// Base of the test contracts: the tiny model (QTUNE_TINY_ONNX, absolute), random
// calibration data, and an evaluate() computed from the model's outputs. Each broken
// contract overrides the one thing it gets wrong.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "qtune/sdk.h"

namespace tiny {

// Three batches per epoch, the last one partial (batch_size / 2 + 1 samples), so the
// host's epoch wrapping and partial-batch check are exercised. Same data every epoch.
class RandomLoader : public qtune::BatchLoader {
 public:
  RandomLoader(qtune::Shape sample_shape, std::int64_t batch_size) : shape_(std::move(sample_shape)), batch_(batch_size) {}
  std::optional<qtune::Batch> next() override {
    if (index_ == kBatchesPerEpoch) return std::nullopt;
    qtune::Shape shape = shape_;
    shape[0] = ++index_ == kBatchesPerEpoch ? batch_ / 2 + 1 : batch_;
    qtune::Tensor t(shape);
    std::normal_distribution<float> normal;
    for (float& x : t.values<float>()) x = normal(rng_);
    return qtune::Batch{std::move(t)};
  }
  void reset() override {
    index_ = 0;
    rng_.seed(kSeed);
  }
  std::optional<std::size_t> size() const override { return kBatchesPerEpoch; }

  static constexpr int kBatchesPerEpoch = 3;

 private:
  static constexpr unsigned kSeed = 1234;
  qtune::Shape shape_;
  std::int64_t batch_;
  int index_ = 0;
  std::mt19937 rng_{kSeed};
};

inline std::string config(const std::string& extra = "", const std::string& batch_size = "4") {
  return std::string(R"({"model": ")") + QTUNE_TINY_ONNX + R"(", "input_shape": [1, 1, 16, 16], "batch_size": )" +
         batch_size + R"(, "calib_steps": 8, "target": "ESP32P4", "contract": {"note": "private"})" + extra + "}";
}

class TinyContract : public qtune::Contract {
 public:
  std::string quant_config() const override { return config(R"(, "primary_metric": "top1")"); }

  std::unique_ptr<qtune::BatchLoader> calibration_data(const qtune::ContractConfig& c) override {
    return std::make_unique<RandomLoader>(c.input_shapes.at(0), c.batch_size);
  }

  // top1: agreement of argmax with the labels the first evaluated model predicted (the
  // float model, in practice); mean_abs: mean |logit|, which is 0 only for a dead model.
  qtune::Metrics evaluate(const qtune::Model& model) override {
    RandomLoader loader(model.input_shapes().at(0), 4);
    std::vector<qtune::Batch> batches;
    while (auto b = loader.next()) batches.push_back(std::move(*b));
    const std::vector<qtune::Batch> outputs = model.run_many(batches);
    std::vector<std::int64_t> predicted;
    double abs_sum = 0;
    std::int64_t count = 0;
    for (const qtune::Batch& out : outputs) {
      const qtune::Tensor& logits = out.at(0);
      const std::int64_t rows = logits.dim(0), cols = logits.numel() / rows;
      const float* p = logits.data<float>();
      for (std::int64_t r = 0; r < rows; ++r, p += cols) {
        predicted.push_back(std::max_element(p, p + cols) - p);
        for (std::int64_t c = 0; c < cols; ++c) abs_sum += std::abs(p[c]);
        count += cols;
      }
    }
    if (labels_.empty()) labels_ = predicted;
    std::int64_t hits = 0;
    for (std::size_t i = 0; i < predicted.size() && i < labels_.size(); ++i) hits += predicted[i] == labels_[i];
    return {{"top1", static_cast<double>(hits) / static_cast<double>(labels_.size())},
            {"mean_abs", abs_sum / static_cast<double>(count)}};
  }

 private:
  std::vector<std::int64_t> labels_;
};

}  // namespace tiny
