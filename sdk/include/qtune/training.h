#pragma once
// Block training: what a training pass (TQT, LSQ, blockwise reconstruction) needs from the
// framework to retrain one block of the quantized graph against the float model
// (reference §3.4: data per block, straight-through fake quantization, block loss, Adam).
// The framework implements it (framework/grad/, reverse-mode gradients in Eigen + TBB);
// a pass gets one per block from PassContext::make_block_trainer() and drives the steps.
//
// What a trainer holds, from the moment it is made:
// * data: over the calibration batches, the block's inputs with the whole graph quantized
//   (graph(), make_quant_hook()) and the block's outputs with the whole graph float
//   (float_graph(), no hook);
// * working copies of the trainable values — the float parameters of the block's computing
//   ops (Conv, Gemm, MatMul) and Add/Mul (weights and biases), and of any other block op
//   except Clip whose parameter is quantized there (esp-ppq's trainable set, Errata 6) —
//   and one log2-scale α per channel of every Calibrated power-of-two config applied in the
//   block (a config's exponent is round(α) in the forward pass; gradients pass straight
//   through) — TQT — or, for LSQ, one float scale s per channel of every Calibrated linear
//   config (the forward uses |s|; ∂q/∂s = round(x/s) − x/s inside the range, qmin/qmax
//   where it clamps, scaled by 1/√(numel·qmax): esp-ppq's LSQDelegator, reference §3.5).
// Nothing in the graph changes until commit(): dropping a trainer reverts the block.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/config.hpp>

namespace qtune {

struct BlockTrainingSpec {
  // The block's ops (names in graph()); the framework orders them topologically. The block's
  // outputs are the outputs of its topologically last op (esp-ppq's block.ep).
  std::vector<std::string> ops;
  bool train_scales = true;    // α of Calibrated power-of-two configs applied in the block (else fixed exponents)
  // s of Calibrated linear (non-power-of-two) configs applied in the block (LSQ; else fixed scales).
  bool train_linear_scales = false;
  double learning_rate = 1e-5;  // Adam (betas 0.9 / 0.999, eps 1e-8, no weight decay, as torch)
  // Loss = Σ over block outputs MSE(out, float out)
  //      + int_lambda · Σ over trained power-of-two configs mean((α − round α)²)
  //      + gamma · Σ over computing ops MSE(W, fake_quantize(W)) with W's stored exponent (or scale).
  double int_lambda = 0.0;
  double gamma = 0.0;

  // Learned weight rounding (AdaRound; blockwise reconstruction, reference §3.7). When on,
  // the weight (input 1) of every computing op (Conv, Gemm, MatMul) of the block whose
  // config is Calibrated gets a rounding variable V of the weight's shape instead of
  // training the weight itself (no other parameter trains); with e the weight's stored
  // exponents, s = 2^e, the forward uses
  //   W_q = s · clamp(floor(W/s) + h(V), qmin, qmax),  h(V) = clip(σ(V)·(ζ−γ) + γ, 0, 1),
  // ζ = 1.1, γ = −0.1, V initialised so that h(V) = frac(W/s). loss() uses the hard rounding
  // (h ≥ 0.5 → up) that commit() writes back as the new float weights (exactly on the grid).
  // The step loss adds rounding_lambda · Σ(1 − |2h(V) − 1|^β): 0 for the first
  // rounding_warmup · rounding_steps steps, then β cosine-annealed from rounding_beta_start
  // to rounding_beta_end over the remaining steps (the AdaRound paper's regulariser).
  // reference_regulariser reproduces esp-ppq, whose regulariser never activates (its step
  // index is clobbered, §3.7): the loss is the output MSE only.
  // train_scales still applies to the block's other Calibrated configs (the weights'
  // exponents stay fixed); int_lambda and gamma apply as above.
  bool learn_rounding = false;
  double rounding_lambda = 0.01;
  std::size_t rounding_steps = 0;      // the step count the β schedule spans (the pass's steps)
  double rounding_warmup = 0.2;
  double rounding_beta_start = 20.0;
  double rounding_beta_end = 2.0;
  bool reference_regulariser = false;
};

struct BlockTrainingInfo {
  std::string first_op, last_op;   // topological ends of the block
  std::size_t batches = 0;         // cached batches (steps cycle over them)
  std::size_t parameters = 0;      // trainable parameter tensors
  std::size_t parameter_values = 0;
  std::size_t scales = 0;          // configs with a trainable α or linear scale s
  std::size_t roundings = 0;       // weights with a learned rounding (learn_rounding)
  std::size_t rounding_values = 0;
};

class BOOST_SYMBOL_VISIBLE BlockTrainer {
 public:
  virtual ~BlockTrainer();
  virtual const BlockTrainingInfo& info() const = 0;
  // Block loss with the current values, exponents round(α): Σ over block outputs of the MSE
  // to the float outputs, averaged over the cached batches (no int_lambda / gamma terms).
  // Before any step this is the loss of the graph as it stands.
  virtual double loss() = 0;
  // One Adam step on cached batch (step mod batches): forward, loss with every term,
  // backward, update. Returns that loss (before the update).
  virtual double step(std::size_t step) = 0;
  // Writes the trained parameter values and the exponents round(α) into graph() (configs
  // whose exponents change get algorithm "tqt"), and the linear scales |s| (configs whose
  // scales change get algorithm "lsq"). Returns how many exponents / scales changed.
  // With learn_rounding, also writes each rounded weight s·clamp(floor(W/s) + [h(V) ≥ 0.5])
  // as its float value (the weight's config is left as it is).
  // Passive configs (biases, aligned inputs) are re-derived by the framework after the pass.
  virtual std::size_t commit() = 0;
};

}  // namespace qtune
