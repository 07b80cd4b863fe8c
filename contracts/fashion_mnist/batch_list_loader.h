#pragma once
// A BatchLoader over batches prepared up front (calibration sets here are small: the
// default 32 x 32 images are 3 MiB as float32).
#include <vector>

#include "qtune/batch.h"

namespace qtune::fashion_mnist {

class BatchListLoader final : public BatchLoader {
 public:
  explicit BatchListLoader(std::vector<Batch> batches) : batches_(std::move(batches)) {}
  std::optional<Batch> next() override {
    if (position_ >= batches_.size()) return std::nullopt;
    return batches_[position_++];
  }
  void reset() override { position_ = 0; }
  std::optional<std::size_t> size() const override { return batches_.size(); }

 private:
  std::vector<Batch> batches_;
  std::size_t position_ = 0;
};

}  // namespace qtune::fashion_mnist
