#include "quant/calibration_driver.h"

#include <cmath>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "exec/graph_executor.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"
#include "quant/quantizer.h"

namespace qtune {
namespace {

// RuntimeCalibrationPass asserts 2 <= calib_steps <= 5000 (reference §2.7).
constexpr std::size_t kMinCalibSteps = 2;
constexpr std::size_t kMaxCalibSteps = 5000;

struct Pending {
  TensorQuantConfig* config = nullptr;
  std::string name;                 // for messages: the socket
  std::unique_ptr<Observer> observer;
  std::mutex mutex;                 // observers are single-threaded per tensor
  bool two_phase = false;
};

struct SocketObservers {
  std::vector<std::pair<std::size_t, Pending*>> inputs, outputs;
};

// A parameter input as the quant hook maps it (fake-quantized with its weight config), made
// once and copied out for every batch of both phases: parameter configs do not change while
// activations calibrate, so every batch would compute the same tensor.
struct MappedParameter {
  std::once_flag once;
  bool mapped = false;
  Tensor value;
};

class CalibrationHook final : public OpHook {
 public:
  CalibrationHook(std::unordered_map<const Op*, SocketObservers> at,
                  std::unordered_map<const Op*, std::vector<std::unique_ptr<MappedParameter>>> parameters)
      : quant_(make_quant_hook()), at_(std::move(at)), parameters_(std::move(parameters)) {}
  // 1: observe; 2: observe_second_pass; kFused: both, one right after the other (the last
  // batch of phase 1 when phase 2's forward would compute the same values).
  static constexpr int kFused = 3;
  int phase = 1;

  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override {
    if (auto it = at_.find(&op); it != at_.end())
      for (auto& [i, p] : it->second.inputs)
        if (i == index) feed(*p, value);
    if (auto it = parameters_.find(&op); it != parameters_.end() && index < it->second.size() && it->second[index]) {
      MappedParameter& m = *it->second[index];
      std::call_once(m.once, [&] { m.mapped = quant_->map_input(op, index, value, m.value); });
      if (m.mapped) out = m.value;
      return m.mapped;
    }
    return quant_->map_input(op, index, value, out);
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    if (auto it = at_.find(&op); it != at_.end())
      for (auto& [j, p] : it->second.outputs) feed(*p, outputs[j]);
    quant_->on_outputs(op, outputs);
  }

 private:
  void feed(Pending& p, const Tensor& value) {
    if (!p.observer || (phase == 2 && !p.two_phase)) return;
    std::lock_guard lock(p.mutex);
    if (phase != 2) p.observer->observe(value);
    // Fused: this was the tensor's last first-pass batch, so its range is final and the
    // value is still in cache.
    if (phase == 2 || (phase == kFused && p.two_phase)) p.observer->observe_second_pass(value);
  }
  std::unique_ptr<OpHook> quant_;
  std::unordered_map<const Op*, SocketObservers> at_;
  std::unordered_map<const Op*, std::vector<std::unique_ptr<MappedParameter>>> parameters_;
};

void apply_render(TensorQuantConfig& c, const std::vector<double>& log2s, const std::string& algorithm,
                  const std::string& where) {
  if (log2s.empty()) throw Error(fmt::format("calibration '{}' of {} rendered no exponent", algorithm, where));
  c.exponents.clear();
  c.scales.clear();
  for (double l : log2s) {
    if (!std::isfinite(l))
      throw Error(fmt::format("calibration '{}' of {} rendered a non-finite log2 scale", algorithm, where));
    // Linear: the observer's exact scale as a float32 (esp-ppq stores torch float32 scales).
    if (c.linear()) c.scales.push_back(static_cast<float>(std::exp2(l)));
    else c.exponents.push_back(exponent_from_log2(l));
  }
  c.state = QuantState::Calibrated;
  c.algorithm = algorithm;
}

std::unique_ptr<Observer> make(const ObserverFactory& f, const std::string& algorithm, const TensorQuantConfig& c,
                               const std::string& where) {
  auto o = f(algorithm, c);
  if (!o) throw Error(fmt::format("no observer '{}' for {}", algorithm, where));
  return o;
}

// Renders the observers in parallel (each is its own state; kl's threshold search is the
// costly part), then applies the results in `pending` order, so the outcome, and the first
// error reported, do not depend on the thread count.
void render_all(const std::vector<Pending*>& pending) {
  std::vector<std::vector<double>> log2s(pending.size());
  std::vector<std::exception_ptr> errors(pending.size());
  tbb::parallel_for(std::size_t{0}, pending.size(), [&](std::size_t k) {
    try {
      log2s[k] = pending[k]->observer->render();
    } catch (...) {
      errors[k] = std::current_exception();
    }
  });
  for (std::size_t k = 0; k < pending.size(); ++k) {
    if (errors[k]) std::rethrow_exception(errors[k]);
    apply_render(*pending[k]->config, log2s[k], pending[k]->config->observer, pending[k]->name);
  }
}

// Runs batches [0, count) concurrently when more than one thread is allowed (the phase's
// observers are order-free; each is fed under its own mutex). Progress is reported in
// completion order, one call at a time, counting on from `done`.
void run_concurrently(const Executor& executor, CalibrationHook& hook, std::span<const std::vector<Tensor>> batches,
                      std::size_t count, int phase, std::size_t done, const CalibrationOptions& options) {
  std::mutex progress_mutex;
  tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
    executor.run(batches[k], &hook);
    if (!options.progress) return;
    std::lock_guard lock(progress_mutex);
    options.progress(phase, ++done, batches.size());
  });
}

}  // namespace

int exponent_from_log2(double l) {
  double r = std::round(l);
  if (std::abs(l - r) < 1e-9) return static_cast<int>(r);
  return static_cast<int>(std::trunc(l));
}

std::size_t calibrate_parameters(Graph& graph, const ObserverFactory& observers) {
  std::size_t n = 0;
  for (Op* op : graph.topological_order()) {
    if (!op_quant_bits(*op)) continue;
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      if (!op->has_input(i) || !op->inputs[i]->is_parameter) continue;
      const QuantSlot& c = input_config(*op, i);
      if (!c || c->state != QuantState::Initial || c->applied_at != input_socket_id(*op, i)) continue;
      const Variable& v = *op->inputs[i];
      if (!v.value) throw Error(fmt::format("parameter '{}' of op '{}' has no value", v.name, op->name));
      Tensor value = v.value->dtype() == DType::Float32 ? *v.value : v.value->cast(DType::Float32);
      std::string where = fmt::format("parameter '{}' (op '{}' input {})", v.name, op->name, i);
      auto o = make(observers, c->observer, *c, where);
      o->observe(value);
      apply_render(*c, o->render(), c->observer, where);
      ++n;
    }
  }
  return n;
}

CalibrationReport calibrate_activations(Graph& graph, std::span<const std::vector<Tensor>> batches,
                                        const ObserverFactory& observers, const CalibrationOptions& options) {
  if (batches.size() < kMinCalibSteps || batches.size() > kMaxCalibSteps)
    throw InputError(fmt::format("calibration needs {} to {} batches (calib_steps), got {}", kMinCalibSteps,
                                 kMaxCalibSteps, batches.size()));
  CalibrationReport report;
  // calib_algorithm overrides the observer of every non-parameter config.
  if (!options.calib_algorithm.empty())
    for (Op* op : graph.ops()) {
      for (std::size_t i = 0; i < op->inputs.size(); ++i)
        if (op->has_input(i) && !op->inputs[i]->is_parameter)
          if (const QuantSlot& c = input_config(*op, i); c && c->state != QuantState::Float)
            c->observer = options.calib_algorithm;
      for (Variable* v : op->outputs)
        if (v->quant && v->quant->state != QuantState::Float) v->quant->observer = options.calib_algorithm;
    }

  // One observer per Initial activation config, at the socket where it is applied.
  std::vector<std::unique_ptr<Pending>> pending;
  std::unordered_set<const TensorQuantConfig*> seen;
  std::unordered_map<const Op*, SocketObservers> at;
  auto add = [&](TensorQuantConfig* c, const std::string& where) -> Pending* {
    if (!c || c->state != QuantState::Initial || !seen.insert(c).second) return nullptr;
    auto p = std::make_unique<Pending>();
    p->config = c;
    p->name = where;
    p->observer = make(observers, c->observer, *c, where);
    p->two_phase = p->observer->needs_second_pass();
    pending.push_back(std::move(p));
    return pending.back().get();
  };
  for (Op* op : graph.topological_order()) {
    if (!op_quant_bits(*op)) continue;
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      if (!op->has_input(i) || op->inputs[i]->is_parameter) continue;
      const QuantSlot& c = input_config(*op, i);
      if (c && c->applied_at == input_socket_id(*op, i))
        if (Pending* p = add(c.get(), fmt::format("'{}' at op '{}' input {}", op->inputs[i]->name, op->name, i)))
          at[op].inputs.emplace_back(i, p);
    }
    for (std::size_t j = 0; j < op->outputs.size(); ++j) {
      const QuantSlot& c = op->outputs[j]->quant;
      if (c && c->applied_at == op->outputs[j]->name)
        if (Pending* p = add(c.get(), fmt::format("'{}' (output {} of op '{}')", op->outputs[j]->name, j, op->name)))
          at[op].outputs.emplace_back(j, p);
    }
  }

  // Parameter inputs the quant hook fake-quantizes: mapped once, reused by every batch.
  // Only configs already active and not calibrated here, so none changes during the phases.
  std::unordered_map<const Op*, std::vector<std::unique_ptr<MappedParameter>>> parameters;
  for (Op* op : graph.topological_order())
    for (std::size_t i = 0; i < op->inputs.size(); ++i)
      if (op->has_input(i) && op->inputs[i]->is_parameter && op->inputs[i]->value && applied_at_input(*op, i) &&
          !seen.count(input_config(*op, i).get())) {
        auto& slots = parameters[op];
        slots.resize(op->inputs.size());
        slots[i] = std::make_unique<MappedParameter>();
      }

  std::vector<Pending*> one_phase, two_phase;
  for (auto& p : pending) (p->two_phase ? two_phase : one_phase).push_back(p.get());
  // Phase 2 re-runs the batches with the configs phase 1 rendered applied. When every
  // observer is two-phase, nothing is rendered in between, so phase 2's forward of the last
  // batch would compute exactly what phase 1's did: that batch feeds both passes at once
  // and phase 2 runs one batch fewer (the second pass is order-free, calibration.h).
  const bool all_two_phase = !two_phase.empty() && one_phase.empty();

  // Phase 1 in batch order, the executor parallelising inside each batch, unless every
  // observer's first pass is order-free (calibration.h): then its batches run concurrently
  // like phase 2's (the fused last batch after them, its range then being final).
  bool order_free = true;
  for (const auto& p : pending) order_free = order_free && p->observer->first_pass_order_free();

  auto executor = make_executor(graph);
  CalibrationHook hook(std::move(at), std::move(parameters));
  hook.phase = 1;
  const std::size_t plain = all_two_phase ? batches.size() - 1 : batches.size();
  if (order_free) {
    run_concurrently(*executor, hook, batches, plain, 1, 0, options);
  } else {
    for (std::size_t k = 0; k < plain; ++k) {
      executor->run(batches[k], &hook);
      if (options.progress) options.progress(1, k + 1, batches.size());
    }
  }
  if (all_two_phase) {
    hook.phase = CalibrationHook::kFused;
    executor->run(batches.back(), &hook);
    if (options.progress) options.progress(1, batches.size(), batches.size());
  }
  render_all(one_phase);
  report.activations += one_phase.size();
  if (!two_phase.empty()) {
    hook.phase = 2;  // configs activated in phase 1 are applied now
    if (options.progress && all_two_phase) options.progress(2, 1, batches.size());
    run_concurrently(*executor, hook, batches, plain, 2, all_two_phase ? 1 : 0, options);
    render_all(two_phase);
    report.activations += two_phase.size();
    report.second_pass += two_phase.size();
  }
  return report;
}

CalibrationReport calibrate(Graph& graph, std::span<const std::vector<Tensor>> batches,
                            const ObserverFactory& observers, const CalibrationOptions& options) {
  std::size_t params = calibrate_parameters(graph, observers);
  CalibrationReport r = calibrate_activations(graph, batches, observers, options);
  r.parameters = params;
  r.passive = update_passive_configs(graph);
  return r;
}

}  // namespace qtune
