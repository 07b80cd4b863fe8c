#include "qtune/rewrite/layer_selection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qtune::rewrite {

std::string join_types(const std::set<std::string>& types) { return fmt::format("{}", fmt::join(types, ", ")); }

std::vector<Op*> select_layers(Graph& graph, const std::vector<std::string>& names, const std::set<std::string>& types,
                               const std::string& option, const std::string& purpose, Log& log) {
  std::vector<Op*> selected;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) {
      log.warn(fmt::format("{}: '{}' is listed more than once; the repeat is ignored", option, name));
      continue;
    }
    Op* op = graph.find_op(name);
    if (!op) {
      log.warn(fmt::format("{}: '{}' is not an op of the graph (see simplified_ops.json); it selects nothing", option,
                           name));
      continue;
    }
    if (!types.contains(op->type)) {
      log.warn(fmt::format("{}: '{}' is a {}; only {} can be {}; it selects nothing", option, name, op->type,
                           join_types(types), purpose));
      continue;
    }
    selected.push_back(op);
  }
  return selected;
}

}  // namespace qtune::rewrite
