#pragma once
// Small quantized graphs for the export tests: quantize_graph with a target policy, then
// every Initial config gets a hand-chosen exponent (no calibration plugin involved) and
// the passive configs (biases, Clip bounds) are derived as the quantizer does.
#include <map>
#include <string>

#include "qtune/graph.h"
#include "qtune/quant_graph.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"

namespace qtune::test {

// Exponent per variable name (per-channel configs repeat it on every channel); `fallback`
// for every other Initial config.
inline void set_exponents(Graph& g, const std::map<std::string, int>& by_name, int fallback = -4) {
  auto assign = [&](const QuantSlot& c, const Variable& v, std::size_t channels) {
    if (!c || c->state != QuantState::Initial) return;
    auto it = by_name.find(v.name);
    const int e = it == by_name.end() ? fallback : it->second;
    c->exponents.assign(c->per_channel() ? channels : 1, e);
    c->state = QuantState::Calibrated;
    c->algorithm = "test";
  };
  for (Op* op : g.topological_order()) {
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      if (!op->inputs[i]) continue;
      const QuantSlot& c = input_config(*op, i);
      std::size_t channels = 1;
      if (c && c->per_channel() && op->inputs[i]->value)
        channels = static_cast<std::size_t>(op->inputs[i]->value->dim(c->channel_axis));
      assign(c, *op->inputs[i], channels);
    }
    for (Variable* o : op->outputs) assign(o->quant, *o, 1);
  }
  update_passive_configs(g);
}

inline Attributes ints_attr(const std::string& key, std::vector<std::int64_t> v) {
  Attributes a;
  a.set(key, std::move(v));
  return a;
}

}  // namespace qtune::test
