#include "alignment_rules.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qtune/calib/scale.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune::alignment {
namespace {

// esp-ppq PASSIVE_OPERATIONS (esp_ppq/core/common.py).
const std::set<std::string> kPassiveOps = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Identity", "Dropout",
                                           "Slice", "Pad", "Split", "Transpose", "Interp", "Squeeze", "Unsqueeze",
                                           "Gather", "ReverseSequence", "ReduceMax", "ReduceMin"};

bool is_float(const QuantSlot& c) { return !c || c->state == QuantState::Float; }

// Whether following `master` would close a cycle of masters through `config`.
bool closes_cycle(const TensorQuantConfig* config, const QuantSlot& master) {
  for (const TensorQuantConfig* m = master.get(); m; m = m->master.get())
    if (m == config) return true;
  return false;
}

void follow(TensorQuantConfig& c, const QuantSlot& master) {
  c.master = master;
  c.state = QuantState::PassiveInit;  // exponents copied when passive configs are re-derived
  c.algorithm = "aligned";
}

std::size_t downstream_ops(const Op& op) {
  std::set<const Op*> s;
  for (const Variable* o : op.outputs)
    for (const Op* c : o->consumers) s.insert(c);
  return s.size();
}

}  // namespace

bool master_input(Op& op, std::size_t index, const QuantSlot& master, Tally& tally) {
  if (!op.has_input(index)) return false;
  const QuantSlot c = input_config(op, index);
  if (!c || closes_cycle(c.get(), master)) return false;
  if (c->applied_at == input_socket_id(op, index)) {
    follow(*c, master);
  } else {
    auto own = std::make_shared<TensorQuantConfig>(*c);
    follow(*own, master);
    set_input_config(op, index, own);
  }
  ++tally.slaved_sockets;
  return true;
}

bool master_output(Op& op, std::size_t index, const QuantSlot& master, Tally& tally) {
  Variable* v = op.outputs.at(index);
  const QuantSlot old = v->quant;
  if (!old || closes_cycle(old.get(), master)) return false;
  if (old->applied_at == v->name) {
    follow(*old, master);
  } else {
    // Consumers reading the variable's group keep it (esp-ppq: they point at the old root).
    for (Op* consumer : v->consumers)
      for (std::size_t i = 0; i < consumer->inputs.size(); ++i)
        if (consumer->inputs[i] == v && (i >= consumer->input_quant.size() || !consumer->input_quant[i])) {
          if (consumer->input_quant.size() < consumer->inputs.size()) consumer->input_quant.resize(consumer->inputs.size());
          consumer->input_quant[i] = old;
        }
    auto own = std::make_shared<TensorQuantConfig>(*old);
    own->applied_at = v->name;
    follow(*own, master);
    v->quant = own;
  }
  ++tally.slaved_sockets;
  return true;
}

QuantSlot align_to_output(Op& op, Tally& tally) {
  QuantSlot master = op.outputs.at(0)->quant;
  if (!master) return nullptr;
  for (std::size_t i = 0; i < op.inputs.size(); ++i)
    if (!is_float(input_config(op, i))) master_input(op, i, master, tally);
  return master;
}

void align_to_input(Op& op, Tally& tally) {
  const QuantSlot master = input_config(op, 0);
  if (!master) return;
  for (std::size_t j = 0; j < op.outputs.size(); ++j)
    if (!is_float(op.outputs[j]->quant)) master_output(op, j, master, tally);
}

QuantSlot align_to_large(Op& op, Tally& tally) {
  const QuantSlot first = input_config(op, 0);
  if (!first) return nullptr;
  double lo = 0, hi = 0;
  QuantSlot last;
  for (std::size_t i = 0; i < op.inputs.size(); ++i) {
    const QuantSlot& c = input_config(op, i);
    if (!c) continue;
    last = c;
    if (c->state == QuantState::Float || !c->has_scale()) continue;
    if (c->per_channel())
      throw Error(fmt::format("alignment 'Align to Large' on '{}': input {} is quantized per channel; only per-tensor "
                              "inputs can be aligned (esp-ppq asserts the same)",
                              op.name, i));
    const double s = c->scale(0);
    lo = std::min(lo, s * static_cast<double>(c->quant_min));
    hi = std::max(hi, s * static_cast<double>(c->quant_max));
  }
  // esp-ppq's minmax_to_scale_offset on the union: pow2-ceil under POWER_OF_2, the float
  // scale itself for a linear config.
  const double scale = calib::minmax_to_scale(lo, hi, first->quant_min, first->quant_max);

  // Input 0 becomes a self-dominating PASSIVE config with that exponent.
  QuantSlot master = first;
  if (first->applied_at != input_socket_id(op, 0)) {
    master = std::make_shared<TensorQuantConfig>(*first);
    set_input_config(op, 0, master);
  }
  master->master = nullptr;
  master->exponents.clear();
  master->scales.clear();
  if (master->linear()) master->scales = {static_cast<float>(scale)};
  else master->exponents = {calib::pow2_ceil_exponent(scale)};
  master->state = QuantState::Passive;
  master->algorithm = "align_to_large";
  ++tally.slaved_sockets;
  // esp-ppq tests the state of the LAST input (a leftover loop variable), not each slave's:
  // when that one is float no input follows; otherwise every other input does.
  if (is_float(last)) return master;
  for (std::size_t i = 1; i < op.inputs.size(); ++i) master_input(op, i, master, tally);
  return master;
}

QuantSlot align_rnn_to_first(Op& op, Tally& tally) {
  const QuantSlot master = op.outputs.at(0)->quant;
  if (!master) return nullptr;
  if (op.outputs.size() > 1 && !is_float(op.outputs[1]->quant)) master_output(op, 1, master, tally);
  if (op.has_input(5) && !is_float(input_config(op, 5))) master_input(op, 5, master, tally);
  return master;
}

void override_upstream(Op& op, const QuantSlot& master, bool force_overlap, Tally& tally) {
  std::vector<Op*> producers;
  for (Variable* in : op.inputs)
    if (in && in->producer && std::find(producers.begin(), producers.end(), in->producer) == producers.end())
      producers.push_back(in->producer);
  for (Op* up : producers) {
    if (!op_quant_bits(*up)) continue;
    if ((kPassiveOps.count(up->type) || downstream_ops(*up) != 1) && !force_overlap) continue;
    for (std::size_t j = 0; j < up->outputs.size(); ++j) {
      const auto& consumers = up->outputs[j]->consumers;
      if (std::find(consumers.begin(), consumers.end(), &op) == consumers.end()) continue;
      if (master_output(*up, j, master, tally)) ++tally.producers_remastered;
    }
  }
}

void record_requantized(const Op& op, Tally& tally) {
  for (std::size_t i = 0; i < op.inputs.size(); ++i) {
    if (!op.has_input(i) || !op.inputs[i]->producer) continue;
    const QuantSlot& c = input_config(op, i);
    if (!c || !c->master || c->applied_at != input_socket_id(op, i)) continue;
    const QuantSlot& produced = op.inputs[i]->quant;
    auto root = [](const TensorQuantConfig* x) {
      while (x && x->master) x = x->master.get();
      return x;
    };
    if (!produced || root(produced.get()) != root(c.get())) tally.requantized.insert(input_socket_id(op, i));
  }
}

}  // namespace qtune::alignment
