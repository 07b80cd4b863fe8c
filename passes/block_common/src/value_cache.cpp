#include "qtune/blocks/value_cache.h"

#include <algorithm>

#include "qtune/blocks/subgraph.h"
#include "qtune/error.h"

namespace qtune::blocks {
namespace {

bool is_param(const Variable* v) { return v->is_parameter && v->value.has_value(); }

}  // namespace

ValueCache::ValueCache(const Graph& graph, const std::vector<Batch>& batches, const PassContext& context, OpHook* hook,
                       std::size_t batches_per_run)
    : graph_(graph), batches_(batches), context_(context), hook_(hook), batches_per_run_(std::max<std::size_t>(1, batches_per_run)) {
  for (std::size_t i = 0; i < graph.inputs().size(); ++i) input_index_[graph.inputs()[i]->name] = i;
}

// The ops that must run to produce `names`: producers of every value neither fed, constant
// nor cached, transitively, in topological order.
std::vector<const Op*> ValueCache::missing_ops(const std::vector<std::string>& names) const {
  std::unordered_set<const Op*> need;
  std::vector<const Variable*> stack;
  for (const std::string& name : names) stack.push_back(&graph_.variable(name));
  while (!stack.empty()) {
    const Variable* v = stack.back();
    stack.pop_back();
    if (input_index_.count(v->name) || is_param(v) || values_.count(v->name)) continue;
    if (!v->producer)
      throw Error("ValueCache: '" + v->name + "' of graph '" + graph_.name + "' has no producer, value or graph input");
    if (!need.insert(v->producer).second) continue;
    for (const Variable* in : v->producer->inputs)
      if (in) stack.push_back(in);
  }
  std::vector<const Op*> ordered;
  for (const Op* op : graph_.topological_order())
    if (need.count(op)) ordered.push_back(op);
  return ordered;
}

bool ValueCache::read_later(const Variable& v, const std::unordered_set<const Op*>& running) const {
  return std::any_of(v.consumers.begin(), v.consumers.end(),
                     [&](const Op* c) { return !done_.count(c) && !running.count(c); });
}

std::vector<std::vector<Tensor>> ValueCache::get(const std::vector<std::string>& names) {
  const std::size_t n = batches_.size();
  const std::vector<const Op*> need = missing_ops(names);
  if (!need.empty()) {
    const std::unordered_set<const Op*> running(need.begin(), need.end());
    const std::unordered_set<std::string> wanted(names.begin(), names.end());
    std::vector<std::string> keep;  // outputs asked for, or read by an op that has not run
    for (const Op* op : need)
      for (const Variable* out : op->outputs)
        if (out && (wanted.count(out->name) || read_later(*out, running))) keep.push_back(out->name);
    const Graph sub = extract_subgraph(graph_, need, keep);
    const std::unique_ptr<Executor> executor = context_.make_executor(sub);
    for (const std::string& name : keep) values_[name].resize(n);
    for (std::size_t first = 0; first < n; first += batches_per_run_) {
      const std::size_t count = std::min(batches_per_run_, n - first);
      std::vector<std::vector<Tensor>> feeds(count);
      for (std::size_t b = 0; b < count; ++b)
        for (const Variable* in : sub.inputs()) {
          auto it = input_index_.find(in->name);
          feeds[b].push_back(it != input_index_.end() ? batches_[first + b].at(it->second) : values_.at(in->name)[first + b]);
        }
      std::vector<std::vector<Tensor>> results = executor->run_batches(feeds, hook_);
      for (std::size_t b = 0; b < count; ++b)
        for (std::size_t i = 0; i < keep.size(); ++i) values_[keep[i]][first + b] = std::move(results[b][i]);
    }
    done_.insert(need.begin(), need.end());
    ops_run_ += need.size();
  }
  std::vector<std::vector<Tensor>> result(n);
  for (std::size_t b = 0; b < n; ++b)
    for (const std::string& name : names) {
      auto it = input_index_.find(name);
      result[b].push_back(it != input_index_.end() ? batches_[b].at(it->second) : values_.at(name)[b]);
    }
  evict();
  return result;
}

void ValueCache::put(const std::vector<const Op*>& ops, const std::vector<std::string>& names,
                     std::vector<std::vector<Tensor>> values) {
  const std::size_t n = batches_.size();
  if (values.size() != n) throw Error("ValueCache::put: values for " + std::to_string(values.size()) + " batches, expected " + std::to_string(n));
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& slot = values_[names[i]];
    slot.resize(n);
    for (std::size_t b = 0; b < n; ++b) slot[b] = std::move(values[b].at(i));
  }
  done_.insert(ops.begin(), ops.end());
  evict();
}

void ValueCache::invalidate(const std::vector<const Op*>& ops) {
  for (const Op* op : graph_.downstream_of(ops)) {
    done_.erase(op);
    for (const Variable* out : op->outputs)
      if (out) values_.erase(out->name);
  }
}

// A value is dropped once every op reading it has run; if one of those is invalidated
// later, get() recomputes what it needs.
void ValueCache::evict() {
  const std::unordered_set<const Op*> none;
  for (auto it = values_.begin(); it != values_.end();) {
    if (read_later(graph_.variable(it->first), none)) ++it;
    else it = values_.erase(it);
  }
}

}  // namespace qtune::blocks
