#include "activation_ranges.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune::equalization {

ActivationRanges collect_activation_ranges(PassContext& context, const std::vector<const Op*>& ops) {
  ActivationRanges ranges;
  if (ops.empty()) return ranges;
  const Graph& graph = context.graph();
  const std::unique_ptr<Executor> executor = context.make_executor(graph);
  RunRequest request;
  for (const Op* op : ops) request.fetch.push_back(op->outputs.at(0)->name);
  const auto& batches = context.calibration_batches();
  const std::size_t count = std::min(batches.size(), kActivationBatches);
  for (std::size_t b = 0; b < count; ++b) {
    const Batch& batch = batches[b];
    if (batch.size() != graph.inputs().size())
      throw Error(fmt::format("equalization: calibration batch {} has {} tensors for {} graph inputs", b, batch.size(),
                              graph.inputs().size()));
    TensorMap feeds;
    for (std::size_t i = 0; i < batch.size(); ++i) feeds[graph.inputs()[i]->name] = batch[i];
    const TensorMap out = executor->run(feeds, request);
    for (const Op* op : ops) {
      const Tensor& t = out.at(op->outputs[0]->name);
      if (t.rank() < 2) throw Error(fmt::format("equalization: output of '{}' has rank {} (< 2)", op->name, t.rank()));
      const std::int64_t n = t.dim(0), c = t.dim(1), inner = t.numel() / std::max<std::int64_t>(1, n * c);
      std::vector<float>& m = ranges.max_abs[op];
      m.resize(static_cast<std::size_t>(c), 0.0f);
      const float* v = t.data<float>();
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t ch = 0; ch < c; ++ch)
          for (std::int64_t k = 0; k < inner; ++k) m[ch] = std::max(m[ch], std::fabs(v[(i * c + ch) * inner + k]));
    }
    ranges.batches = b + 1;
    if (ranges.batches == count || ranges.batches % 6 == 0)  // a few lines, not one per batch
      context.log().progress("equalization: activation ranges", static_cast<long>(b + 1), static_cast<long>(count));
  }
  return ranges;
}

}  // namespace qtune::equalization
