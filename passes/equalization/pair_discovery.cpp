#include "pair_discovery.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "channel_layout.h"

namespace qtune::equalization {
namespace {

// Walks from a set of ops through relay ops; remembers the relays passed and the ends.
class Walker {
 public:
  Walker(const Graph& graph, const std::set<std::string>& relays) : relays_(relays) {
    std::size_t i = 0;
    for (Op* op : graph.ops()) index_[op] = i++;
  }

  // The first non-relay ops downstream of `op` (consumers of any of its outputs).
  void down(Op* op, std::set<Op*>& ends, std::set<Op*>& passed) const {
    for (const Variable* out : op->outputs)
      for (Op* next : out->consumers) {
        if (!relays_.contains(next->type)) ends.insert(next);
        else if (passed.insert(next).second) down(next, ends, passed);
      }
  }
  // The first non-relay ops upstream of `op` (producers of its non-constant inputs).
  void up(Op* op, std::set<Op*>& ends, std::set<Op*>& passed) const {
    for (const Variable* in : op->inputs) {
      if (!in || in->is_parameter || !in->producer) continue;
      Op* prev = in->producer;
      if (!relays_.contains(prev->type)) ends.insert(prev);
      else if (passed.insert(prev).second) up(prev, ends, passed);
    }
  }
  std::vector<Op*> ordered(const std::set<Op*>& ops) const {
    std::vector<Op*> v(ops.begin(), ops.end());
    std::sort(v.begin(), v.end(), [&](Op* a, Op* b) { return index_.at(a) < index_.at(b); });
    return v;
  }

 private:
  const std::set<std::string>& relays_;
  std::unordered_map<const Op*, std::size_t> index_;
};

std::string names(const std::vector<Op*>& ops) {
  std::vector<std::string> n;
  for (const Op* op : ops) n.push_back("'" + op->name + "'");
  return fmt::format("[{}]", fmt::join(n, ", "));
}

// Why scaling this pair would change the float model or cannot be done, or "".
std::string refusal(const Graph& graph, const Walker& walker, const std::vector<Op*>& up,
                    const std::vector<Op*>& down) {
  for (Op* op : up)
    if (std::string p = upstream_problem(*op); !p.empty()) return fmt::format("upstream '{}': {}", op->name, p);
  for (Op* op : down)
    if (std::string p = downstream_problem(*op); !p.empty()) return fmt::format("downstream '{}': {}", op->name, p);
  const std::int64_t c = output_channels(*up.front());
  for (Op* op : up)
    if (output_channels(*op) != c)
      return fmt::format("upstream '{}' has {} output channels, '{}' {}", op->name, output_channels(*op),
                         up.front()->name, c);
  for (Op* op : down)
    if (input_channels(*op) != c)
      return fmt::format("downstream '{}' has {} input channels, the upstream layers {}", op->name,
                         input_channels(*op), c);

  // Every reader of a scaled tensor must be a relay of the pair or a downstream layer.
  auto changes_model = [](std::string why) { return why + ", so equalizing would change the float model's outputs"; };
  std::set<Op*> ends, relays;
  for (Op* op : up) walker.down(op, ends, relays);
  const std::set<Op*> down_set(down.begin(), down.end());
  for (Op* end : ends)
    if (!down_set.contains(end))
      return changes_model(fmt::format("'{}' ({}) also reads the scaled channels", end->name, end->type));
  std::set<const Op*> region(up.begin(), up.end());
  region.insert(relays.begin(), relays.end());
  for (const Op* r : relays)
    for (std::size_t i = 0; i < r->inputs.size(); ++i) {
      const Variable* in = r->inputs[i];
      if (!in) continue;
      if (in->is_parameter) {
        if (r->type == "PRelu" && i == 1) continue;  // per-channel slope: PRelu(s·x) = s·PRelu(x), s > 0
        return changes_model(
            fmt::format("'{}' ({}) has the constant operand '{}', which is not scaled", r->name, r->type, in->name));
      }
      if (!in->producer || !region.contains(in->producer))
        return changes_model(fmt::format("'{}' ({}) also reads '{}', which is not scaled", r->name, r->type, in->name));
    }
  for (const Op* op : region)
    for (const Variable* out : op->outputs)
      if (graph.is_graph_output(*out)) return changes_model(fmt::format("'{}' is a graph output", out->name));
  for (const Op* d : down)
    for (std::size_t i = 1; i < d->inputs.size(); ++i)
      if (d->inputs[i] && d->inputs[i]->producer && region.contains(d->inputs[i]->producer))
        return changes_model(fmt::format("downstream '{}' reads the scaled channels through input {}", d->name, i));
  return "";
}

}  // namespace

const std::set<std::string>& relay_types(int opt_level) {
  static const std::set<std::string> level1 = {"Relu",      "MaxPool",   "GlobalMaxPool", "PRelu",
                                               "AveragePool", "GlobalAveragePool", "LeakyRelu", "Identity"};
  static const std::set<std::string> level2 = [] {
    std::set<std::string> s = level1;
    s.insert({"Add", "Sub"});
    return s;
  }();
  return opt_level >= 2 ? level2 : level1;
}

PairSearch find_pairs(const Graph& graph, const std::vector<Op*>& candidates, int opt_level) {
  const Walker walker(graph, relay_types(opt_level));
  const auto& equalizable = equalizable_types();
  PairSearch search;
  std::set<const Op*> visited;
  for (Op* start : candidates) {
    if (visited.contains(start) || !equalizable.contains(start->type)) continue;
    ++search.starts;
    std::set<Op*> down_set, up_set, passed;
    walker.down(start, down_set, passed);
    passed.clear();
    for (Op* d : down_set) walker.up(d, up_set, passed);
    visited.insert(up_set.begin(), up_set.end());

    std::set<std::string> blocking;
    for (const std::set<Op*>* side : {&up_set, &down_set})
      for (const Op* op : *side)
        if (!equalizable.contains(op->type)) blocking.insert(op->type);
    for (const std::string& type : blocking) ++search.blockers[type];
    if (!blocking.empty()) continue;
    if (up_set.empty() || down_set.empty()) {
      ++search.dead_ends;
      continue;
    }
    Pair pair{walker.ordered(up_set), walker.ordered(down_set), 0};
    if (std::string why = refusal(graph, walker, pair.upstream, pair.downstream); !why.empty()) {
      search.skipped.push_back(fmt::format("pair {} -> {} skipped: {}", names(pair.upstream), names(pair.downstream), why));
      continue;
    }
    pair.channels = output_channels(*pair.upstream.front());
    search.pairs.push_back(std::move(pair));
  }
  return search;
}

}  // namespace qtune::equalization
