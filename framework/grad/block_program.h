#pragma once
// BlockProgram: a block of the quantized graph compiled for training. The ops run in
// topological order through the forward kernels (exec/kernel_registry.h), with the fake
// quantization the quant hook applies (qtune/quant_graph.h: every config applied at an input
// or output of a block op) made explicit as nodes, so the backward pass can run through them
// with the straight-through estimator (grad/fake_quant_grad.h).
//
// Trainable values (working copies; the graph is never written here):
// * parameters: every float parameter input of a computing op (Conv, ConvTranspose, Gemm,
//   MatMul) or Add/Mul, and of any other op except Clip where the parameter's config is
//   applied (esp-ppq's trainable set, reference §3.4 and Errata 6);
// * scales: one log2-scale α per exponent of every Calibrated power-of-two config applied
//   in the block (when train_scales, TQT); the forward uses exponent round(α). With
//   train_linear_scales (LSQ, reference §3.5), one float scale s per channel of every
//   Calibrated linear config applied in the block; the forward uses |s|, and its gradient is
//   scaled by 1/√(numel·qmax) (numel of the tensor quantized), as esp-ppq's LSQDelegator.
// Passive configs (biases, aligned inputs) and every config whose kind is not trained keep
// their stored exponents or scales.
#include <any>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "exec/kernel_registry.h"
#include "grad/op_gradient.h"
#include "qtune/graph.h"

namespace qtune::grad {

struct LossTerms {
  double int_lambda = 0.0;  // · Σ over trained configs mean((α − round α)²)
  double gamma = 0.0;       // · Σ over computing ops MSE(W, fake_quantize(W)) at W's stored exponents
  // Learned rounding (grad/rounding_grad.h): hard_rounding runs the forward with [V ≥ 0]
  // (evaluation; no gradient reaches V); rounding_lambda > 0 adds
  // rounding_lambda · Σ over rounding variables (1 − |2h(V) − 1|^rounding_beta).
  bool hard_rounding = false;
  double rounding_lambda = 0.0;
  double rounding_beta = 2.0;
};

struct LossValue {
  double mse = 0.0;    // Σ over block outputs of mean((out − target)²)
  double total = 0.0;  // mse + the int_lambda, gamma and rounding terms
};

class BlockProgram {
 public:
  struct Trainable {
    std::string name;            // the parameter's variable, or the config's applied_at
    Tensor value;                // parameter value, or α (one per exponent)
    const Variable* variable = nullptr;  // parameters
    QuantSlot config;            // scales; rounding variables: the weight's config
    bool rounding = false;       // a rounding variable V of `variable` (learned rounding)
    bool linear = false;         // a linear scale s (value = s per channel; the forward uses |s|)
  };

  // `ops` of `graph` in any order. Throws Error naming the op when one has no kernel.
  // learn_rounding: the weight (input 1) of every computing op whose config is Calibrated
  // gets a rounding variable V (grad/rounding_grad.h) at its stored exponents, replacing
  // its fake quantization, and no parameter trains (AdaRound, reference §3.7); scales of the
  // other configs still train when train_scales. Learned rounding of a linear weight config
  // is refused (Error naming the weight): it is defined on power-of-two grids here.
  BlockProgram(const Graph& graph, const std::vector<const Op*>& ops, bool train_scales, bool learn_rounding = false,
               bool train_linear_scales = false);

  // Runs the forward once and throws Error naming the op when a gradient would have to flow
  // back through an op that has none (an op without float outputs, such as Shape, needs none).
  void verify(std::span<const Tensor* const> inputs);

  const std::vector<const Op*>& ops() const { return ops_; }
  // Values the block reads from outside (non-parameters), in first-use order.
  const std::vector<std::string>& input_names() const { return input_names_; }
  // Outputs of the topologically last op.
  const std::vector<std::string>& output_names() const { return output_names_; }
  std::vector<Trainable>& trainables() { return trainables_; }
  const std::vector<Trainable>& trainables() const { return trainables_; }
  std::size_t parameter_count() const { return parameter_count_; }  // trainables()[0, n) are parameters
  // After the parameters come scales and rounding variables, interleaved in creation order.
  bool is_scale(std::size_t k) const { return k >= parameter_count_ && !trainables_[k].rounding; }
  bool is_rounding(std::size_t k) const { return trainables_[k].rounding; }
  // Hard-rounded weight of rounding variable `k`: s·clamp(floor(W/s) + [V ≥ 0], qmin, qmax).
  Tensor rounded_weight(std::size_t k) const;

  // Loss on one batch (`inputs` in input_names() order, `targets` in output_names() order)
  // with the current trainable values. When `grads` is non-null it is resized to one tensor
  // per trainable and receives dL(total)/d(trainable). Thread-safe without grads.
  LossValue run(std::span<const Tensor* const> inputs, std::span<const Tensor* const> targets, const LossTerms& terms,
                std::vector<Tensor>* grads);

  // Exponents of trainable scale `k` as the forward uses them: round(α).
  std::vector<int> rounded_exponents(std::size_t k) const;
  // Linear scales of trainable scale `k` as the forward uses them: |s|.
  std::vector<float> linear_scales(std::size_t k) const;

 private:
  struct Node {
    const Op* op = nullptr;           // null: a fake-quantization node
    Kernel kernel = nullptr;
    const OpGradient* gradient = nullptr;
    std::vector<int> in, out;         // value slots, -1 = absent
    // Fake quantization: config, and the trainable scale it reads (-1: stored exponents).
    QuantSlot config;
    int scale = -1;
    int rounding = -1;                // learned-rounding node: the trainable V (in[0] is W)
    std::any state;                   // backward cache (only touched by runs with grads)
  };
  struct Frame;

  Frame make_frame(std::span<const Tensor* const> inputs) const;
  // A fresh value slot: no constant, no trainable.
  int new_slot();
  int slot_of_variable(const Variable& v);
  int add_quant_node(int from, const QuantSlot& config, bool train_scales, bool train_linear_scales);
  int add_rounding_node(int from, const Variable& weight, const QuantSlot& config);
  void forward(Frame& frame) const;

  std::vector<const Op*> ops_;
  std::vector<Node> nodes_;
  std::size_t slots_ = 0;
  std::vector<int> input_slots_, output_slots_;
  std::vector<std::string> input_names_, output_names_;
  std::vector<const Tensor*> constants_;       // per slot: constant parameter value, or null
  std::vector<int> trainable_of_slot_;         // per slot: index into trainables_, or -1
  std::vector<bool> requires_grad_;            // per slot
  std::vector<Trainable> trainables_;
  std::size_t parameter_count_ = 0;
  std::vector<std::pair<int, QuantSlot>> gamma_weights_;  // (weight slot, its config)
  std::unordered_map<const Variable*, int> variable_slot_;
};

}  // namespace qtune::grad
