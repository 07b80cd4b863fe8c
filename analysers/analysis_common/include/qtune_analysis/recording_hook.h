#pragma once
// A hook that lets an analyser see values as esp-ppq's RuntimeHooks see them: each input
// of a watched op after that op's input quantization (pre_forward_hook), and its outputs
// after its output quantization (post_forward_hook). The quantization itself comes from
// the wrapped hook (none = the float run). Callbacks run on the executor's thread, once
// per watched op per run, so writing into per-op storage needs no lock.
#include <functional>
#include <span>
#include <unordered_set>

#include "qtune/executor.h"

namespace qtune::analysis {

class RecordingHook final : public OpHook {
 public:
  using InputFn = std::function<void(const Op& op, std::size_t index, const Tensor& seen)>;
  using OutputFn = std::function<void(const Op& op, std::span<const Tensor> outputs)>;

  // `inner` may be null; either callback may be empty.
  RecordingHook(OpHook* inner, std::unordered_set<const Op*> watched, InputFn on_input, OutputFn on_output)
      : inner_(inner), watched_(std::move(watched)), on_input_(std::move(on_input)), on_output_(std::move(on_output)) {}

  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override;
  void on_outputs(const Op& op, std::span<Tensor> outputs) override;

 private:
  OpHook* inner_;
  std::unordered_set<const Op*> watched_;
  InputFn on_input_;
  OutputFn on_output_;
};

}  // namespace qtune::analysis
