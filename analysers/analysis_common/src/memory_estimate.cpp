#include "qtune_analysis/memory_estimate.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace qtune::analysis {

std::size_t total_bytes(const TensorMap& values) {
  std::size_t n = 0;
  for (const auto& [name, t] : values) n += t.byte_size();
  return n;
}

std::size_t peak_live_bytes(const Graph& graph, const TensorMap& values) {
  const std::vector<Op*> order = graph.topological_order();
  std::unordered_map<const Variable*, std::size_t> last;   // variable -> last step reading it
  for (std::size_t k = 0; k < order.size(); ++k)
    for (const Variable* v : order[k]->inputs)
      if (v) last[v] = k;
  auto size_of = [&](const Variable* v) -> std::size_t {
    auto it = values.find(v->name);
    return it == values.end() ? 0 : it->second.byte_size();
  };
  std::size_t live = 0, peak = 0;
  for (const Variable* v : graph.inputs()) live += size_of(v);
  peak = live;
  for (std::size_t k = 0; k < order.size(); ++k) {
    for (const Variable* v : order[k]->outputs) live += size_of(v);
    peak = std::max(peak, live);
    std::vector<const Variable*> freed;   // an op reading a value twice frees it once
    for (const Variable* v : order[k]->inputs)
      if (v && !v->is_parameter && last[v] == k && !graph.is_graph_output(*v) &&
          std::find(freed.begin(), freed.end(), v) == freed.end()) {
        freed.push_back(v);
        live -= std::min(live, size_of(v));
      }
    for (const Variable* v : order[k]->outputs)
      if (!last.count(v) && !graph.is_graph_output(*v)) live -= std::min(live, size_of(v));
  }
  return peak;
}

std::string mib(std::size_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0)); }

}  // namespace qtune::analysis
