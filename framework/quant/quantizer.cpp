#include "quant/quantizer.h"

#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {
namespace {

DType element_type(const Variable& v) { return v.value ? v.value->dtype() : v.dtype; }

// Activation types QuantizeFusionPass fuses for ESP-DL (EspdlQuantizer.activation_fusion_types).
const std::set<std::string> kFusedActivations = {"Relu", "Clip"};
// ESPDL_CONV_LIKE_FUSED_OPS / ESPDL_CONV_LIKE_FUSED_ACTIVATIONS (esp_ppq/core/common.py).
const std::set<std::string> kConvLikeFusedOps = {"Conv", "Gemm", "MatMul"};
const std::set<std::string> kConvLikeFusedActivations = {"Relu"};
// GRU_QUANT_EXPONENT = LSTM_QUANT_EXPONENT (esp_ppq/core/common.py).
constexpr int kRnnQuantExponent = -9;
constexpr int kRnnQuantBits = 16;

// One esp-ppq TensorQuantizationConfig: a socket of a quantized op.
struct Socket {
  Op* op = nullptr;
  bool is_input = true;
  std::size_t index = 0;
  Variable* var = nullptr;
  QuantState state = QuantState::Initial;  // Initial / Float / PassiveInit (OVERLAPPED: `overlapped`)
  bool overlapped = false;
  int bits = 8;
  int channel_axis = -1;
  std::string observer = "percentile";
  std::size_t parent = 0;                  // union-find (esp-ppq dominated_by)
};

class SocketTable {
 public:
  SocketTable(Graph& graph, const TargetPolicy& policy) : graph_(graph), policy_(policy) {}

  std::vector<Socket> sockets;
  std::unordered_map<const Op*, int> op_bits;  // quantized ops -> platform bits
  std::unordered_map<const Op*, std::vector<std::size_t>> in_ids, out_ids;

  void create(Op& op, int bits) {
    op_bits[&op] = bits;
    auto make = [&](bool is_input, std::size_t i, Variable* v) {
      Socket s;
      s.op = &op;
      s.is_input = is_input;
      s.index = i;
      s.var = v;
      s.bits = bits;
      s.parent = sockets.size();
      if (is_input ? TargetPolicy::is_fp32_input(op, i) : TargetPolicy::is_fp32_output(op, i))
        s.state = QuantState::Float;
      // Integer and bool tensors (a shape chain, indices) are never quantized: esp-ppq's
      // 'allin' dispatcher quantizes them and then fails in calibration (see the parity
      // case's fix_cls.py); their values are exact integers that no int8 grid should touch.
      if (v && element_type(*v) != DType::Float32) s.state = QuantState::Float;
      sockets.push_back(s);
      return s.parent;
    };
    auto& ins = in_ids[&op];
    for (std::size_t i = 0; i < op.inputs.size(); ++i) ins.push_back(make(true, i, op.inputs[i]));
    auto& outs = out_ids[&op];
    for (std::size_t i = 0; i < op.outputs.size(); ++i) outs.push_back(make(false, i, op.outputs[i]));

    const std::size_t n_in = op.inputs.size();
    if (op.type == "Conv" || op.type == "ConvTranspose" || op.type == "Gemm") {
      if (auto axis = policy_.weight_channel_axis(op)) {
        Socket& w = sockets[ins[1]];
        w.channel_axis = *axis;
        w.observer = "minmax";
      }
      if (n_in > 2) {
        Socket& b = sockets[ins[n_in - 1]];
        if (policy_.per_channel_weights()) b.channel_axis = 0;
        b.bits = policy_.bias_bits(bits);
        b.state = QuantState::PassiveInit;
        b.observer = "minmax";
      }
    } else if (op.type == "GRU" || op.type == "LSTM") {
      std::vector<std::size_t> idx = op.type == "LSTM" ? std::vector<std::size_t>{3, 6} : std::vector<std::size_t>{3};
      for (auto i : idx)
        if (i < n_in) {
          sockets[ins[i]].bits = kRnnQuantBits;
          sockets[ins[i]].state = QuantState::PassiveInit;
          sockets[ins[i]].observer = "minmax";
        }
      if (op.outputs.size() == 3) {
        sockets[outs[2]].bits = kRnnQuantBits;
        sockets[outs[2]].state = QuantState::PassiveInit;
        sockets[outs[2]].observer = "minmax";
      }
      for (std::size_t i = 0; i < n_in; ++i)
        if (!op.has_input(i)) sockets[ins[i]].state = QuantState::Float;
    }
    // PassiveParameterQuantizePass makes Clip min/max and the value of a 3-input Pad
    // master_by input 0 (Errata 4: a Pad with an axes input keeps its value FP32).
    if (op.type == "Clip")
      for (std::size_t i = 1; i < n_in && i < 3; ++i)
        if (op.has_input(i) && op.inputs[i]->is_parameter) sockets[ins[i]].state = QuantState::PassiveInit;
    if (op.type == "Pad" && n_in == 3 && op.has_input(2) && op.inputs[2]->is_parameter)
      sockets[ins[2]].state = QuantState::PassiveInit;
  }

  std::size_t find(std::size_t a) {
    while (sockets[a].parent != a) {
      sockets[a].parent = sockets[sockets[a].parent].parent;
      a = sockets[a].parent;
    }
    return a;
  }

  // esp-ppq `A.dominated_by = B`: A's root joins B's root; A and A's old root OVERLAPPED.
  void dominate(std::size_t a, std::size_t b) {
    std::size_t ra = find(a), rb = find(b);
    if (ra == rb) return;
    sockets[ra].parent = rb;
    sockets[a].parent = rb;
    sockets[ra].overlapped = true;
    sockets[a].overlapped = true;
  }

  bool quantized(const Op* op) const { return op && op_bits.count(op); }
  int bits_of(const Op* op) const {
    auto it = op_bits.find(op);
    return it == op_bits.end() ? 0 : it->second;
  }
  std::size_t out_socket(const Variable* v) const {
    const auto& outs = out_ids.at(v->producer);
    for (std::size_t j = 0; j < v->producer->outputs.size(); ++j)
      if (v->producer->outputs[j] == v) return outs[j];
    throw Error(fmt::format("quantizer: variable '{}' is not an output of its producer", v->name));
  }
  // Unique ops reading any output of `op` / producing any input of `op`.
  static std::size_t downstream_count(const Op& op) {
    std::set<const Op*> s;
    for (auto* o : op.outputs)
      for (auto* c : o->consumers) s.insert(c);
    return s.size();
  }
  static std::size_t upstream_count(const Op& op) {
    std::set<const Op*> s;
    for (auto* i : op.inputs)
      if (i && i->producer) s.insert(i->producer);
    return s.size();
  }

 private:
  Graph& graph_;
  const TargetPolicy& policy_;
};

bool same_scheme(const Socket& a, const Socket& b) {
  return a.bits == b.bits && a.channel_axis == b.channel_axis;  // range, policy, rounding follow from these
}

}  // namespace

QuantizeReport quantize_graph(Graph& graph, const TargetPolicy& policy) {
  QuantizeReport report;
  // Start clean: a re-quantization replaces everything.
  for (Variable* v : graph.variables()) v->quant = nullptr;
  for (Op* op : graph.ops()) {
    std::fill(op->input_quant.begin(), op->input_quant.end(), nullptr);
    op->annotations.erase(kQuantBitsAnnotation);
  }

  const std::vector<Op*> order = graph.topological_order();
  SocketTable t(graph, policy);
  for (Op* op : order)
    if (policy.is_quantized(*op)) t.create(*op, policy.op_bits(*op));
  report.quantized_ops = t.op_bits.size();

  auto fuse_activation = [&](Op& producer, Op& act) {
    t.dominate(t.out_ids.at(&producer)[0], t.out_ids.at(&act)[0]);
    t.dominate(t.in_ids.at(&act)[0], t.out_ids.at(&act)[0]);
    ++report.fused_activations;
  };
  // Every (producer op, activation consumer) edge, producers in topological order.
  auto activation_pairs = [&](auto&& accept) {
    std::vector<std::pair<Op*, Op*>> pairs;
    for (Op* op : order) {
      std::set<Op*> seen;
      for (auto* o : op->outputs)
        for (Op* c : o->consumers)
          if (kFusedActivations.count(c->type) && seen.insert(c).second && accept(*op)) pairs.emplace_back(op, c);
    }
    return pairs;
  };

  // QuantizeFusionPass step 1: computing op -> Relu/Clip on the same platform.
  for (auto [comp, act] : activation_pairs([](const Op& o) { return TargetPolicy::is_computing_type(o.type); })) {
    if (!t.quantized(comp) || !t.quantized(act)) continue;
    if (t.bits_of(comp) != t.bits_of(act) && t.sockets[t.out_ids.at(comp)[0]].state != QuantState::Float) continue;
    if (SocketTable::downstream_count(*comp) == 1 && SocketTable::upstream_count(*act) == 1) fuse_activation(*comp, *act);
  }
  // Step 2: passive ops; outputs dominated by the op's own input-0 config.
  for (Op* op : order) {
    if (!TargetPolicy::is_passive_type(op->type) || !t.quantized(op) || !op->has_input(0)) continue;
    const Op* source = op->inputs[0]->producer;
    if (!source) continue;  // graph input or parameter: nothing to merge with
    if (!t.quantized(source) || t.bits_of(source) != t.bits_of(op)) continue;
    for (std::size_t j : t.out_ids.at(op)) t.dominate(j, t.in_ids.at(op)[0]);
  }
  // Step 3: fuse_relu_clip, any quantized op -> Relu/Clip (Errata 5 for the widening).
  for (auto [prod, act] : activation_pairs([](const Op&) { return true; })) {
    if (!t.quantized(prod) || !t.quantized(act)) continue;
    if (SocketTable::downstream_count(*prod) != 1 || SocketTable::upstream_count(*act) != 1) continue;
    if (t.bits_of(prod) != t.bits_of(act) && kConvLikeFusedOps.count(prod->type) &&
        kConvLikeFusedActivations.count(act->type)) {
      Socket& act_out = t.sockets[t.out_ids.at(act)[0]];
      int widest = std::max(t.sockets[t.out_ids.at(prod)[0]].bits, act_out.bits);
      if (act_out.bits < widest) {
        t.op_bits[act] = t.bits_of(prod);
        act_out.bits = widest;
      }
    }
    fuse_activation(*prod, *act);
  }
  // QuantizeSimplifyPass: consumer input merged into its producer's output config.
  for (Variable* v : graph.variables()) {
    if (!t.quantized(v->producer)) continue;
    std::size_t src = t.out_socket(v);
    if (t.sockets[src].state == QuantState::Float) continue;
    for (Op* c : v->consumers) {
      if (!t.quantized(c) || t.bits_of(c) != t.bits_of(v->producer)) continue;
      const auto& ins = t.in_ids.at(c);
      for (std::size_t i = 0; i < c->inputs.size(); ++i) {
        if (c->inputs[i] != v) continue;
        Socket& s = t.sockets[ins[i]];
        if (s.state == QuantState::Initial && !s.overlapped && same_scheme(s, t.sockets[src])) t.dominate(ins[i], src);
      }
    }
  }

  // Materialise: one config per group root; passive/float sockets are their own roots.
  std::unordered_map<std::size_t, QuantSlot> configs;
  auto config_of = [&](std::size_t id) -> QuantSlot {
    std::size_t r = t.find(id);
    auto it = configs.find(r);
    if (it != configs.end()) return it->second;
    const Socket& s = t.sockets[r];
    auto c = std::make_shared<TensorQuantConfig>();
    c->bits = s.bits;
    c->quant_min = TargetPolicy::quant_min(s.bits);
    c->quant_max = TargetPolicy::quant_max(s.bits);
    c->channel_axis = s.channel_axis;
    c->rounding = policy.rounding();
    c->scale_kind = policy.scale_kind();
    c->state = s.state;
    c->observer = s.observer;
    c->applied_at = s.is_input ? input_socket_id(*s.op, s.index) : s.var->name;
    configs.emplace(r, c);
    return c;
  };
  for (Op* op : order) {
    if (!t.quantized(op)) continue;
    op->annotations[kQuantBitsAnnotation] = std::to_string(t.bits_of(op));
    const auto& ins = t.in_ids.at(op);
    op->input_quant.resize(op->inputs.size());
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      Variable* v = op->inputs[i];
      if (!v) continue;
      QuantSlot c = config_of(ins[i]);
      if (v->is_parameter || !t.quantized(v->producer)) {
        if (!v->quant) v->quant = c;
        if (!v->is_parameter || v->quant != c) op->input_quant[i] = c;
      } else if (t.find(ins[i]) != t.find(t.out_socket(v))) {
        op->input_quant[i] = c;  // requantize / own config at this consumer
      }
    }
    const auto& outs = t.out_ids.at(op);
    for (std::size_t j = 0; j < op->outputs.size(); ++j) op->outputs[j]->quant = config_of(outs[j]);
  }
  report.configs = configs.size();
  return report;
}

namespace {

// Exponents (or linear scales) broadcast to `n` entries (per-tensor master -> every channel).
template <class T>
std::vector<T> broadcast(const std::vector<T>& e, std::size_t n) {
  if (e.size() == n) return e;
  if (e.size() == 1) return std::vector<T>(n, e[0]);
  throw Error(fmt::format("passive config: cannot broadcast {} exponents/scales to {}", e.size(), n));
}

bool mark_passive(TensorQuantConfig& c) {
  c.state = QuantState::Passive;
  c.algorithm = "passive";
  return true;
}

// A passive config takes the scale of `from` (kind included): Clip/Pad bounds, aligned inputs.
bool set_passive(TensorQuantConfig& c, const TensorQuantConfig& from) {
  c.scale_kind = from.scale_kind;
  c.exponents = from.exponents;
  c.scales = from.scales;
  return mark_passive(c);
}

// A passive config fixed at 2^exponent (GRU/LSTM), in the config's own kind.
bool set_passive(TensorQuantConfig& c, int exponent) {
  c.exponents.clear();
  c.scales.clear();
  if (c.linear()) c.scales = {std::ldexp(1.0f, exponent)};
  else c.exponents = {exponent};
  return mark_passive(c);
}

// Bias = input scale × weight scale (PassiveParameterQuantizePass): exponents add; linear
// scales multiply in float32, as esp-ppq's torch tensors do. Mixed kinds cannot occur on
// one target; a config edited by hand into that state is refused.
bool set_bias_scale(const Op& op, TensorQuantConfig& b, const TensorQuantConfig& x, const TensorQuantConfig& w,
                    std::size_t channels) {
  if (x.linear() != w.linear())
    throw Error(fmt::format("op '{}': bias scale needs input and weight scales of one kind, got a {} input and a {} "
                            "weight", op.name, x.linear() ? "linear" : "power-of-two",
                            w.linear() ? "linear" : "power-of-two"));
  b.scale_kind = x.scale_kind;
  b.exponents.clear();
  b.scales.clear();
  if (x.linear()) {
    b.scales = b.per_channel() ? broadcast(w.scales, channels) : std::vector<float>{w.scales[0]};
    for (float& v : b.scales) v *= x.scales[0];
  } else {
    b.exponents = b.per_channel() ? broadcast(w.exponents, channels) : std::vector<int>{w.exponents[0]};
    for (int& e : b.exponents) e += x.exponents[0];
  }
  return mark_passive(b);
}

}  // namespace

namespace {

// Exponents of an aligned config: its master's, following chains of masters (alignment of a
// downstream Concat can re-master an Add's output that an Add input already follows).
const TensorQuantConfig& master_root(const TensorQuantConfig& c) {
  const TensorQuantConfig* r = &c;
  for (int depth = 0; r->master; ++depth) {
    if (depth > 100000) throw Error(fmt::format("alignment: cycle of masters at config applied at '{}'", c.applied_at));
    r = r->master.get();
  }
  return *r;
}

std::size_t update_aligned_configs(Graph& graph) {
  std::set<TensorQuantConfig*> seen;
  std::size_t n = 0;
  auto visit = [&](const QuantSlot& c) {
    if (!c || !c->master || !seen.insert(c.get()).second) return;
    const TensorQuantConfig& root = master_root(*c);
    if (root.is_active() && root.has_scale()) {
      c->scale_kind = root.scale_kind;
      c->exponents = root.exponents;
      c->scales = root.scales;
      c->state = QuantState::Passive;
      ++n;
    } else {
      c->state = QuantState::PassiveInit;
    }
  };
  for (Variable* v : graph.variables()) visit(v->quant);
  for (Op* op : graph.ops())
    for (const QuantSlot& c : op->input_quant) visit(c);
  return n;
}

}  // namespace

std::size_t update_passive_configs(Graph& graph) {
  // Aligned configs first: a bias exponent reads its (possibly aligned) input's exponent.
  std::size_t n = update_aligned_configs(graph);
  auto passive_slot = [](Op& op, std::size_t i) -> TensorQuantConfig* {
    const QuantSlot& c = input_config(op, i);
    if (!c || (c->state != QuantState::Passive && c->state != QuantState::PassiveInit)) return nullptr;
    if (c->applied_at != input_socket_id(op, i)) return nullptr;
    return c.get();
  };
  auto active = [](const QuantSlot& c) { return c && c->is_active() && c->has_scale(); };
  for (Op* op : graph.topological_order()) {
    if (!op_quant_bits(*op)) continue;
    const std::size_t n_in = op->inputs.size();
    if ((op->type == "Conv" || op->type == "ConvTranspose" || op->type == "Gemm") && n_in > 2) {
      TensorQuantConfig* b = passive_slot(*op, n_in - 1);
      const QuantSlot& x = input_config(*op, 0);
      const QuantSlot& w = input_config(*op, 1);
      if (!b || !active(x) || !active(w)) continue;
      std::size_t channels = b->per_channel() ? static_cast<std::size_t>(op->inputs[n_in - 1]->value
                                                                             ? op->inputs[n_in - 1]->value->numel()
                                                                             : static_cast<std::int64_t>(w->scale_count()))
                                              : 1;
      n += set_bias_scale(*op, *b, *x, *w, channels);
    } else if (op->type == "GRU" || op->type == "LSTM") {
      for (std::size_t i = 0; i < n_in; ++i)
        if (TensorQuantConfig* c = passive_slot(*op, i)) n += set_passive(*c, kRnnQuantExponent);
      if (op->outputs.size() == 3 && op->outputs[2]->quant &&
          op->outputs[2]->quant->applied_at == op->outputs[2]->name)
        n += set_passive(*op->outputs[2]->quant, kRnnQuantExponent);
    } else if (op->type == "Clip" || op->type == "Pad") {
      const QuantSlot& x = input_config(*op, 0);
      if (!active(x)) continue;
      for (std::size_t i = 1; i < n_in; ++i)
        if (TensorQuantConfig* c = passive_slot(*op, i)) n += set_passive(*c, *x);
    }
  }
  return n;
}

}  // namespace qtune
