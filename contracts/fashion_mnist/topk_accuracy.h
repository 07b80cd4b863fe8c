#pragma once
// Top-1 / top-5 accuracy of class logits against labels, accumulated batch by batch.
#include <cstdint>
#include <span>

#include "qtune/contract.h"
#include "qtune/tensor.h"

namespace qtune::fashion_mnist {

// Position of `label` when the logits are sorted descending, ties broken by the lower
// class index first (a stable sort; so top-1 is numpy's argmax). Throws on a NaN/Inf logit
// since any ordering of it would be a made-up accuracy.
std::int64_t label_rank(std::span<const float> logits, std::int64_t label);

class TopKAccuracy {
 public:
  // logits: float32 with numel = labels.size() * classes (e.g. [B, 10]).
  void add(const Tensor& logits, std::span<const std::uint8_t> labels, std::int64_t classes);
  // {"top1": %, "top5": %, "samples": n}
  Metrics metrics() const;

 private:
  std::int64_t samples_ = 0;
  std::int64_t top1_ = 0;
  std::int64_t top5_ = 0;
};

}  // namespace qtune::fashion_mnist
