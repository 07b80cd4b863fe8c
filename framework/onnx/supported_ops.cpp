#include "onnx/supported_ops.h"

#include <map>

#include <fmt/format.h>

#include "exec/kernel_registry.h"

namespace qtune {

void check_supported(const Graph& graph, const std::string& source) {
  std::map<std::string, std::string> first_op;  // sorted by type, for a stable message
  for (const Op* op : graph.topological_order()) {
    const bool default_domain = op->domain.empty() || op->domain == "ai.onnx";
    if (default_domain && find_kernel(op->type)) continue;
    const std::string type = default_domain ? op->type : op->domain + "." + op->type;
    first_op.emplace(type, op->name);
  }
  if (first_op.empty()) return;
  std::string list;
  for (const auto& [type, name] : first_op)
    list += fmt::format("{}{} (first: '{}')", list.empty() ? "" : ", ", type, name);
  throw InputError(fmt::format("{}: {} unsupported op type{}: {}", source, first_op.size(),
                               first_op.size() == 1 ? "" : "s", list));
}

}  // namespace qtune
