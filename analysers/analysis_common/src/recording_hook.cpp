#include "qtune_analysis/recording_hook.h"

namespace qtune::analysis {

bool RecordingHook::map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) {
  const bool mapped = inner_ && inner_->map_input(op, index, value, out);
  if (on_input_ && watched_.count(&op)) on_input_(op, index, mapped ? out : value);
  return mapped;
}

void RecordingHook::on_outputs(const Op& op, std::span<Tensor> outputs) {
  if (inner_) inner_->on_outputs(op, outputs);
  if (on_output_ && watched_.count(&op)) on_output_(op, std::span<const Tensor>(outputs.data(), outputs.size()));
}

}  // namespace qtune::analysis
