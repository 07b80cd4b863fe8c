#include "grad/block_program.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "grad/fake_quant_grad.h"
#include "grad/rounding_grad.h"
#include "qtune/error.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune::grad {

namespace {

// esp-ppq's computing ops (is_computing_op): every float parameter of theirs trains, and
// their weight (input 1) enters the gamma term.
const std::set<std::string> kComputingOps = {"Conv", "ConvTranspose", "Gemm", "MatMul"};

std::string op_label(const Op& op) { return fmt::format("op '{}' ({})", op.name, op.type); }

bool is_constant(const Variable& v) { return !v.producer && v.value.has_value(); }



}  // namespace

struct BlockProgram::Frame {
  std::vector<const Tensor*> view;   // per slot
  std::vector<Tensor> owned;         // per slot: values computed here
  std::vector<std::vector<int>> exponents;  // per trainable power-of-two scale: round(α)
  std::vector<std::vector<float>> scales;   // per trainable linear scale: |s|
  bool hard_rounding = false;
};

int BlockProgram::new_slot() {
  constants_.push_back(nullptr);
  trainable_of_slot_.push_back(-1);
  return static_cast<int>(slots_++);
}

int BlockProgram::slot_of_variable(const Variable& v) {
  auto it = variable_slot_.find(&v);
  if (it != variable_slot_.end()) return it->second;
  const int slot = new_slot();
  variable_slot_[&v] = slot;
  return slot;
}

int BlockProgram::add_quant_node(int from, const QuantSlot& config, bool train_scales, bool train_linear_scales) {
  Node n;
  n.config = config;
  n.in = {from};
  n.out = {new_slot()};
  // TQT trains power-of-two configs (α), LSQ linear ones (s); esp-ppq's delegators check the
  // same policy property (POWER_OF_2 for TQT, its absence for LSQ).
  const bool trains = config->linear() ? train_linear_scales : train_scales;
  if (trains && config->state == QuantState::Calibrated) {
    // One α per config object: a config applied twice would share it (it is applied once).
    for (std::size_t k = parameter_count_; k < trainables_.size(); ++k)
      if (is_scale(k) && trainables_[k].config == config) n.scale = static_cast<int>(k);
    if (n.scale < 0) {
      Trainable t;
      t.name = config->applied_at;
      t.config = config;
      t.linear = config->linear();
      t.value = Tensor(DType::Float32, {static_cast<std::int64_t>(config->scale_count())});
      for (std::size_t c = 0; c < config->scale_count(); ++c)
        t.value.data<float>()[c] = t.linear ? config->scales[c] : static_cast<float>(config->exponents[c]);
      n.scale = static_cast<int>(trainables_.size());
      trainables_.push_back(std::move(t));
    }
  }
  nodes_.push_back(std::move(n));
  return nodes_.back().out[0];
}

int BlockProgram::add_rounding_node(int from, const Variable& weight, const QuantSlot& config) {
  Node n;
  n.config = config;
  n.in = {from};
  n.out = {new_slot()};
  if (config->linear())
    throw Error(fmt::format("block program: learned rounding of weight '{}': its config has linear (float) scales; "
                            "learned rounding (blockwise reconstruction) supports power-of-two scales only",
                            weight.name));
  for (std::size_t k = parameter_count_; k < trainables_.size(); ++k)
    if (trainables_[k].rounding && trainables_[k].variable == &weight) n.rounding = static_cast<int>(k);
  if (n.rounding < 0) {
    Trainable t;
    t.name = weight.name;
    t.variable = &weight;
    t.config = config;
    t.rounding = true;
    t.value = initial_rounding(*weight.value, *config, config->exponents);
    n.rounding = static_cast<int>(trainables_.size());
    trainables_.push_back(std::move(t));
  }
  nodes_.push_back(std::move(n));
  return nodes_.back().out[0];
}

BlockProgram::BlockProgram(const Graph& graph, const std::vector<const Op*>& ops, bool train_scales,
                           bool learn_rounding, bool train_linear_scales) {
  if (ops.empty()) throw Error("block program: no ops");
  // Topological order of the block's ops, as the graph orders them.
  std::set<const Op*> in_block(ops.begin(), ops.end());
  for (const Op* op : graph.topological_order())
    if (in_block.count(op)) ops_.push_back(op);
  if (ops_.size() != in_block.size()) throw Error("block program: an op is not part of the graph");
  for (const Op* op : ops_)
    if (!find_kernel(op->type)) throw Error(fmt::format("block program: {} has no kernel", op_label(*op)));

  // Pass 1: trainable parameters (they come first in trainables_).
  std::set<const Variable*> trained;
  for (const Op* op : learn_rounding ? std::vector<const Op*>{} : ops_) {
    const bool quantized = op_quant_bits(*op) != 0;
    const bool all_params = quantized && (kComputingOps.count(op->type) || op->type == "Add" || op->type == "Mul");
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      const Variable* v = op->inputs[i];
      if (!v || !is_constant(*v) || v->value->dtype() != DType::Float32 || trained.count(v)) continue;
      const bool quantized_here = quantized && op->type != "Clip" && applied_at_input(*op, i);
      if (!all_params && !quantized_here) continue;
      trained.insert(v);
      Trainable t;
      t.name = v->name;
      t.variable = v;
      t.value = *v->value;
      trainables_.push_back(std::move(t));
    }
  }
  parameter_count_ = trainables_.size();

  // Pass 2: nodes.
  for (const Op* op : ops_) {
    Node node;
    node.op = op;
    node.kernel = find_kernel(op->type);
    // No gradient (or not for these attributes): fine while nothing has to flow back through
    // it (a shape computation); verify() checks that on real data.
    if (gradient_unsupported(*op).empty()) node.gradient = find_gradient(op->type);
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      const Variable* v = op->inputs[i];
      if (!v) {
        node.in.push_back(-1);
        continue;
      }
      const bool known = variable_slot_.count(v) != 0;
      int slot = slot_of_variable(*v);
      if (!known) {
        if (is_constant(*v)) {
          auto it = std::find_if(trainables_.begin(), trainables_.begin() + static_cast<std::ptrdiff_t>(parameter_count_),
                                 [&](const Trainable& t) { return t.variable == v; });
          if (it != trainables_.begin() + static_cast<std::ptrdiff_t>(parameter_count_))
            trainable_of_slot_[static_cast<std::size_t>(slot)] = static_cast<int>(it - trainables_.begin());
          else
            constants_[static_cast<std::size_t>(slot)] = &*v->value;
        } else if (!v->producer || !in_block.count(v->producer)) {
          input_slots_.push_back(slot);
          input_names_.push_back(v->name);
        } else {
          throw Error(fmt::format("block program: {} reads '{}' before the block computes it", op_label(*op), v->name));
        }
      }
      if (learn_rounding && applied_at_input(*op, i) && v->dtype == DType::Float32 && kComputingOps.count(op->type) &&
          i == 1 && is_constant(*v) && v->value->dtype() == DType::Float32 &&
          input_config(*op, i)->state == QuantState::Calibrated) {
        slot = add_rounding_node(slot, *v, input_config(*op, i));
      } else if (applied_at_input(*op, i) && v->dtype == DType::Float32) {
        if (kComputingOps.count(op->type) && i == 1 && is_constant(*v) && trainable_of_slot_[static_cast<std::size_t>(slot)] >= 0)
          gamma_weights_.emplace_back(slot, input_config(*op, i));
        slot = add_quant_node(slot, input_config(*op, i), train_scales, train_linear_scales);
      }
      node.in.push_back(slot);
    }
    // Outputs: the kernel's raw value, then the output quantization where it is applied.
    std::vector<int> finals;
    for (std::size_t j = 0; j < op->outputs.size(); ++j) {
      const Variable* v = op->outputs[j];
      if (!v) {
        node.out.push_back(-1);
        finals.push_back(-1);
        continue;
      }
      const int raw = new_slot();
      node.out.push_back(raw);
      finals.push_back(raw);
    }
    nodes_.push_back(std::move(node));
    for (std::size_t j = 0; j < op->outputs.size(); ++j) {
      const Variable* v = op->outputs[j];
      if (!v) continue;
      int slot = finals[j];
      if (applied_at_output(*op, j)) slot = add_quant_node(slot, v->quant, train_scales, train_linear_scales);
      variable_slot_[v] = slot;
    }
  }
  for (const Variable* v : ops_.back()->outputs) {
    if (!v) continue;
    output_names_.push_back(v->name);
    output_slots_.push_back(variable_slot_.at(v));
  }

  // Which slots carry a gradient: trainables and everything computed from them.
  requires_grad_.assign(slots_, false);
  for (std::size_t s = 0; s < slots_; ++s) requires_grad_[s] = trainable_of_slot_[s] >= 0;
  for (const Node& n : nodes_) {
    bool any = n.scale >= 0 || n.rounding >= 0;
    for (int s : n.in) any = any || (s >= 0 && requires_grad_[static_cast<std::size_t>(s)]);
    for (int s : n.out)
      if (s >= 0) requires_grad_[static_cast<std::size_t>(s)] = any;
  }
}

std::vector<int> BlockProgram::rounded_exponents(std::size_t k) const {
  const Tensor& alpha = trainables_.at(k).value;
  std::vector<int> e(static_cast<std::size_t>(alpha.numel()));
  for (std::size_t c = 0; c < e.size(); ++c) e[c] = static_cast<int>(std::nearbyint(alpha.data<float>()[c]));
  return e;
}

std::vector<float> BlockProgram::linear_scales(std::size_t k) const {
  const Tensor& s = trainables_.at(k).value;
  std::vector<float> out(static_cast<std::size_t>(s.numel()));
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = std::fabs(s.data<float>()[c]);
  return out;
}

Tensor BlockProgram::rounded_weight(std::size_t k) const {
  const Trainable& t = trainables_.at(k);
  if (!t.rounding) throw Error(fmt::format("block program: trainable '{}' is not a rounding variable", t.name));
  return rounding_forward(*t.variable->value, t.value, *t.config, t.config->exponents, true);
}

void BlockProgram::forward(Frame& frame) const {
  for (const Node& n : nodes_) {
    if (!n.op && n.rounding >= 0) {
      const Tensor& w = *frame.view[static_cast<std::size_t>(n.in[0])];
      const auto out = static_cast<std::size_t>(n.out[0]);
      frame.owned[out] = rounding_forward(w, trainables_[static_cast<std::size_t>(n.rounding)].value, *n.config,
                                          n.config->exponents, frame.hard_rounding);
      frame.view[out] = &frame.owned[out];
      continue;
    }
    if (!n.op) {
      const Tensor& x = *frame.view[static_cast<std::size_t>(n.in[0])];
      const auto out = static_cast<std::size_t>(n.out[0]);
      const auto k = static_cast<std::size_t>(n.scale);
      if (x.dtype() != DType::Float32) frame.owned[out] = x;
      else if (n.scale < 0) frame.owned[out] = fake_quant_forward_stored(x, *n.config);
      else if (trainables_[k].linear) frame.owned[out] = fake_quant_forward_linear(x, *n.config, frame.scales[k]);
      else frame.owned[out] = fake_quant_forward(x, *n.config, frame.exponents[k]);
      frame.view[out] = &frame.owned[out];
      continue;
    }
    std::vector<const Tensor*> ins(n.in.size(), nullptr);
    for (std::size_t i = 0; i < n.in.size(); ++i)
      if (n.in[i] >= 0) ins[i] = frame.view[static_cast<std::size_t>(n.in[i])];
    std::vector<Tensor> outs(n.out.size());
    n.kernel(*n.op, std::span<const Tensor* const>(ins.data(), ins.size()), std::span<Tensor>(outs));
    for (std::size_t j = 0; j < n.out.size(); ++j) {
      if (n.out[j] < 0) continue;
      const auto s = static_cast<std::size_t>(n.out[j]);
      frame.owned[s] = std::move(outs[j]);
      frame.view[s] = &frame.owned[s];
    }
  }
}

void BlockProgram::verify(std::span<const Tensor* const> inputs) {
  if (inputs.size() != input_slots_.size())
    throw Error(fmt::format("block program: {} inputs given, expected {}", inputs.size(), input_slots_.size()));
  Frame frame = make_frame(inputs);
  forward(frame);
  for (const Node& n : nodes_) {
    if (!n.op || n.gradient) continue;
    bool needs = false;  // a float output computed from something that trains
    for (int s : n.in) needs = needs || (s >= 0 && requires_grad_[static_cast<std::size_t>(s)]);
    bool float_out = false;
    for (int s : n.out)
      float_out = float_out || (s >= 0 && frame.view[static_cast<std::size_t>(s)]->dtype() == DType::Float32);
    if (needs && float_out) throw Error(fmt::format("block program: {}: {}", op_label(*n.op), gradient_unsupported(*n.op)));
  }
}

BlockProgram::Frame BlockProgram::make_frame(std::span<const Tensor* const> inputs) const {
  Frame frame;
  frame.view.assign(slots_, nullptr);
  frame.owned.resize(slots_);
  for (std::size_t s = 0; s < slots_; ++s) {
    if (constants_[s]) frame.view[s] = constants_[s];
    if (trainable_of_slot_[s] >= 0) frame.view[s] = &trainables_[static_cast<std::size_t>(trainable_of_slot_[s])].value;
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) frame.view[static_cast<std::size_t>(input_slots_[i])] = inputs[i];
  frame.exponents.resize(trainables_.size());
  frame.scales.resize(trainables_.size());
  for (std::size_t k = parameter_count_; k < trainables_.size(); ++k) {
    if (!is_scale(k)) continue;
    if (trainables_[k].linear) frame.scales[k] = linear_scales(k);
    else frame.exponents[k] = rounded_exponents(k);
  }
  return frame;
}

LossValue BlockProgram::run(std::span<const Tensor* const> inputs, std::span<const Tensor* const> targets,
                            const LossTerms& terms, std::vector<Tensor>* grads) {
  if (inputs.size() != input_slots_.size() || targets.size() != output_slots_.size())
    throw Error(fmt::format("block program: {} inputs and {} targets given, expected {} and {}", inputs.size(),
                            targets.size(), input_slots_.size(), output_slots_.size()));
  Frame frame = make_frame(inputs);
  frame.hard_rounding = terms.hard_rounding;
  forward(frame);

  // Loss and dL/d(outputs).
  LossValue loss;
  std::vector<Tensor> slot_grads;
  if (grads) slot_grads.resize(slots_);
  for (std::size_t o = 0; o < output_slots_.size(); ++o) {
    const auto s = static_cast<std::size_t>(output_slots_[o]);
    const Tensor& y = *frame.view[s];
    const Tensor& t = *targets[o];
    if (y.shape() != t.shape())
      throw Error(fmt::format("block program: output '{}' is {}, its float target {}", output_names_[o],
                              shape_str(y.shape()), shape_str(t.shape())));
    const auto diff = (y.flat() - t.flat()).eval();
    const double n = static_cast<double>(std::max<std::int64_t>(y.numel(), 1));
    loss.mse += diff.cast<double>().square().sum() / n;
    if (grads && requires_grad_[s]) {
      Tensor g = Tensor::uninitialized(DType::Float32, y.shape());
      g.flat() = diff * static_cast<float>(2.0 / n);
      slot_grads[s] = std::move(g);  // (an output listed twice would need accumulation; ops have distinct outputs)
    }
  }
  loss.total = loss.mse;
  if (grads) {
    grads->clear();
    for (const Trainable& t : trainables_) grads->push_back(Tensor(DType::Float32, t.value.shape()));
  }
  // int_lambda · Σ mean((α − round α)²): round has no gradient (torch.round).
  if (terms.int_lambda > 0.0) {
    for (std::size_t k = parameter_count_; k < trainables_.size(); ++k) {
      if (!is_scale(k) || trainables_[k].linear) continue;
      const float* a = trainables_[k].value.data<float>();
      const auto n = static_cast<double>(trainables_[k].value.numel());
      double sum = 0.0;
      for (std::int64_t c = 0; c < trainables_[k].value.numel(); ++c) {
        const double r = a[c] - std::nearbyint(a[c]);
        sum += r * r;
        if (grads) (*grads)[k].data<float>()[c] += static_cast<float>(terms.int_lambda * 2.0 * r / n);
      }
      loss.total += terms.int_lambda * sum / n;
    }
  }
  // gamma · MSE(W, Q(W)) at the stored exponents; dQ/dW is the straight-through mask.
  if (terms.gamma > 0.0) {
    for (const auto& [slot, config] : gamma_weights_) {
      const auto k = static_cast<std::size_t>(trainable_of_slot_[static_cast<std::size_t>(slot)]);
      const Tensor& w = trainables_[k].value;
      const Tensor q = fake_quant_forward_stored(w, *config);
      const auto diff = (w.flat() - q.flat()).eval();
      const double n = static_cast<double>(w.numel());
      loss.total += terms.gamma * diff.cast<double>().square().sum() / n;
      if (grads) {
        Tensor ones(DType::Float32, w.shape()), mask;
        ones.flat().setOnes();
        fake_quant_backward_stored(w, *config, ones, &mask);
        (*grads)[k].flat() += static_cast<float>(terms.gamma * 2.0 / n) * diff * (1.0f - mask.flat());
      }
    }
  }
  // rounding_lambda · Σ (1 − |2h(V) − 1|^β) over the rounding variables (soft forward only).
  if (terms.rounding_lambda > 0.0 && !terms.hard_rounding) {
    for (std::size_t k = parameter_count_; k < trainables_.size(); ++k) {
      if (!trainables_[k].rounding) continue;
      const double r = rounding_regulariser(trainables_[k].value, terms.rounding_beta, terms.rounding_lambda,
                                            grads ? (*grads)[k].data<float>() : nullptr);
      loss.total += terms.rounding_lambda * r;
    }
  }
  if (!grads) return loss;

  // Backward, nodes in reverse; a slot's gradient exists once something flowed into it.
  std::vector<char> has_grad(slots_, 0);
  for (int s : output_slots_)
    if (requires_grad_[static_cast<std::size_t>(s)]) has_grad[static_cast<std::size_t>(s)] = 1;
  auto accumulate = [&](int slot, Tensor&& g) {
    const auto s = static_cast<std::size_t>(slot);
    if (!has_grad[s]) slot_grads[s] = std::move(g), has_grad[s] = 1;
    else slot_grads[s].flat() += g.flat();
  };
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    Node& n = *it;
    bool flowing = false;
    for (int s : n.out) flowing = flowing || (s >= 0 && has_grad[static_cast<std::size_t>(s)]);
    if (!flowing) continue;
    if (n.op && !n.gradient) continue;  // verify(): no float value flows back through it
    if (!n.op && n.rounding >= 0) {
      if (terms.hard_rounding) continue;  // [V ≥ 0] has no gradient
      const auto k = static_cast<std::size_t>(n.rounding);
      rounding_backward(*frame.view[static_cast<std::size_t>(n.in[0])], trainables_[k].value, *n.config,
                        n.config->exponents, slot_grads[static_cast<std::size_t>(n.out[0])], (*grads)[k].data<float>());
      continue;
    }
    if (!n.op) {
      const auto in = static_cast<std::size_t>(n.in[0]);
      const Tensor& x = *frame.view[in];
      if (x.dtype() != DType::Float32) continue;
      const Tensor& dy = slot_grads[static_cast<std::size_t>(n.out[0])];
      Tensor dx;
      Tensor* dxp = requires_grad_[in] ? &dx : nullptr;
      const auto k = static_cast<std::size_t>(n.scale);
      if (n.scale < 0) {
        fake_quant_backward_stored(x, *n.config, dy, dxp);
      } else if (trainables_[k].linear) {
        // LSQ: s = |value|, gradient scaled by 1/√(numel·qmax) (esp-ppq's grad_scale).
        std::vector<float> ds(frame.scales[k].size(), 0.0f);
        fake_quant_backward_linear(x, *n.config, frame.scales[k], dy, dxp, ds.data());
        const double g = 1.0 / std::sqrt(static_cast<double>(x.numel()) * static_cast<double>(n.config->quant_max));
        const float* v = trainables_[k].value.data<float>();
        float* out = (*grads)[k].data<float>();
        for (std::size_t c = 0; c < ds.size(); ++c)
          out[c] += static_cast<float>(g * ds[c]) * (v[c] < 0.0f ? -1.0f : 1.0f);
      } else {
        fake_quant_backward(x, *n.config, frame.exponents[k], dy, dxp, (*grads)[k].data<float>());
      }
      if (requires_grad_[in]) accumulate(n.in[0], std::move(dx));
      continue;
    }
    const std::size_t n_in = n.in.size();
    std::vector<const Tensor*> ins(n_in, nullptr);
    std::unique_ptr<bool[]> wanted(new bool[n_in]);
    bool any = false;
    for (std::size_t i = 0; i < n_in; ++i) {
      if (n.in[i] >= 0) ins[i] = frame.view[static_cast<std::size_t>(n.in[i])];
      wanted[i] = n.in[i] >= 0 && requires_grad_[static_cast<std::size_t>(n.in[i])] && ins[i]->dtype() == DType::Float32;
      any = any || wanted[i];
    }
    if (!any) continue;
    std::vector<const Tensor*> outs(n.out.size(), nullptr), dys(n.out.size(), nullptr);
    std::vector<Tensor> zeros(n.out.size());
    for (std::size_t j = 0; j < n.out.size(); ++j) {
      const int s = n.out[j];
      if (s < 0) continue;
      outs[j] = frame.view[static_cast<std::size_t>(s)];
      if (has_grad[static_cast<std::size_t>(s)]) {
        dys[j] = &slot_grads[static_cast<std::size_t>(s)];
      } else {
        zeros[j] = Tensor(DType::Float32, outs[j]->shape());
        dys[j] = &zeros[j];
      }
    }
    std::vector<Tensor> dxs(n_in);
    const BackwardArgs args{*n.op,
                            std::span<const Tensor* const>(ins.data(), n_in),
                            std::span<const Tensor* const>(outs.data(), outs.size()),
                            std::span<const Tensor* const>(dys.data(), dys.size()),
                            std::span<const bool>(wanted.get(), n_in),
                            std::span<Tensor>(dxs),
                            n.state};
    try {
      n.gradient->backward(args);
    } catch (const Error& e) {
      throw Error(fmt::format("backward of {}: {}", op_label(*n.op), e.what()));
    }
    for (std::size_t i = 0; i < n_in; ++i)
      if (wanted[i]) accumulate(n.in[i], std::move(dxs[i]));
  }
  for (std::size_t s = 0; s < slots_; ++s)
    if (trainable_of_slot_[s] >= 0 && has_grad[s])
      (*grads)[static_cast<std::size_t>(trainable_of_slot_[s])].flat() += slot_grads[s].flat();
  return loss;
}

}  // namespace qtune::grad
