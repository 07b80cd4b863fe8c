#include "exec/graph_executor.h"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "exec/graph_executor_impl.h"
#include "exec/memory_policy.h"

namespace qtune {

namespace {

std::string op_label(const Op& op) { return fmt::format("op '{}' ({})", op.name, op.type); }

// Rethrows the current exception as Error("op 'name' (Type): message"), unless the
// message already starts with that label (kernels name the op themselves).
[[noreturn]] void rethrow_for(const Op& op) {
  const std::string label = op_label(op);
  try {
    throw;
  } catch (const std::exception& e) {
    const std::string message = e.what();
    if (message.rfind(label, 0) == 0) throw Error(message);
    throw Error(fmt::format("{}: {}", label, message));
  }
}

bool is_parameter(const Variable& v) { return v.is_parameter && v.value.has_value(); }

}  // namespace

std::unique_ptr<Executor> make_executor(const Graph& graph) { return std::make_unique<GraphExecutor>(graph); }

GraphExecutor::GraphExecutor(const Graph& graph) : graph_(graph) {
  retain_activation_memory();
  auto slot = [&](const Variable* v) -> int {
    if (!v) return -1;
    auto [it, added] = slot_of_.emplace(v->name, static_cast<int>(vars_.size()));
    if (added) vars_.push_back(v);
    return it->second;
  };
  for (const Variable* v : graph.inputs()) input_slots_.push_back(slot(v));
  for (Op* op : graph.topological_order()) {
    Kernel kernel = find_kernel(op->type);
    if (!kernel)
      throw Error(fmt::format("{}: no kernel for op type '{}' (domain '{}')", op_label(*op), op->type, op->domain));
    Step step{op, kernel, {}, {}, kernel_works_in_place(op->type)};
    for (const Variable* v : op->inputs) step.inputs.push_back(slot(v));
    for (const Variable* v : op->outputs) step.outputs.push_back(slot(v));
    step_of_[op] = steps_.size();
    steps_.push_back(std::move(step));
  }
  for (const Variable* v : graph.outputs()) output_slots_.push_back(slot(v));
  std::vector<bool> is_input(vars_.size(), false);
  for (int s : input_slots_) is_input[static_cast<std::size_t>(s)] = true;
  for (std::size_t s = 0; s < vars_.size(); ++s) {
    const Variable& v = *vars_[s];
    if (is_parameter(v) && !v.producer) param_slots_.push_back(static_cast<int>(s));
    else if (!v.producer && !is_input[s])
      throw Error(fmt::format("variable '{}' of graph '{}' has no producer, value or graph input", v.name, graph.name));
  }
  all_steps_.resize(steps_.size());
  for (std::size_t i = 0; i < steps_.size(); ++i) all_steps_[i] = i;
  free_after_ = last_readers(all_steps_);
}

std::vector<std::vector<int>> GraphExecutor::last_readers(const std::vector<std::size_t>& order) const {
  std::vector<int> last(vars_.size(), -1);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Step& step = steps_[order[k]];
    for (int s : step.inputs)
      if (s >= 0) last[static_cast<std::size_t>(s)] = static_cast<int>(k);
    // An output nothing reads is freed right after its producer.
    for (int s : step.outputs)
      if (s >= 0 && last[static_cast<std::size_t>(s)] < static_cast<int>(k)) last[static_cast<std::size_t>(s)] = static_cast<int>(k);
  }
  std::vector<std::vector<int>> free_after(order.size());
  for (std::size_t s = 0; s < last.size(); ++s)
    if (last[s] >= 0) free_after[static_cast<std::size_t>(last[s])].push_back(static_cast<int>(s));
  return free_after;
}

void GraphExecutor::check_feed(const Variable& input, const Tensor& value) const {
  if (!input.shape.empty() && input.shape.size() != value.rank())
    throw Error(fmt::format("feed for graph input '{}' has shape {} (rank {}), expected rank {} ({})", input.name,
                            shape_str(value.shape()), value.rank(), input.shape.size(), shape_str(input.shape)));
  if (value.dtype() != input.dtype)
    throw Error(fmt::format("feed for graph input '{}' is {}, expected {}", input.name, dtype_name(value.dtype()),
                            dtype_name(input.dtype)));
}

GraphExecutor::Frame GraphExecutor::make_frame() const {
  Frame frame;
  frame.view.assign(vars_.size(), nullptr);
  frame.owned.resize(vars_.size());
  // Parameters are read in place (a pass may have changed them since construction).
  for (int s : param_slots_) frame.view[static_cast<std::size_t>(s)] = &*vars_[static_cast<std::size_t>(s)]->value;
  return frame;
}

std::vector<bool> GraphExecutor::keep_mask(const RunRequest& request) const {
  std::vector<bool> keep(vars_.size(), request.keep_all);
  if (request.keep_all) return keep;
  if (request.fetch.empty()) {
    for (int s : output_slots_) keep[static_cast<std::size_t>(s)] = true;
    return keep;
  }
  for (const std::string& name : request.fetch) {
    auto it = slot_of_.find(name);
    if (it == slot_of_.end())
      throw Error(fmt::format("fetch: graph '{}' has no variable '{}' that the executor computes or reads", graph_.name, name));
    keep[static_cast<std::size_t>(it->second)] = true;
  }
  return keep;
}

// Hands an in-place kernel (kernel_registry.h) one input that dies at this step as its
// output buffer: a hook's mapped copy, or a value this run owns whose last reader is this
// step. Every input slot that read it now reads `out`; the kernel writes over it only on a
// dtype and shape match, otherwise after reading its inputs.
void GraphExecutor::hand_over_dying_input(Frame& frame, const Step& step, std::vector<const Tensor*>& ins,
                                          std::vector<Tensor>& maps, std::span<const int> dying, Tensor& out) const {
  for (std::size_t i = 0; i < ins.size(); ++i) {
    const int s = step.inputs[i];
    Tensor* donor = nullptr;
    std::optional<Tensor>* owner = nullptr;  // the frame's slot when the donor is a run value
    if (!maps.empty() && ins[i] == &maps[i]) {
      donor = &maps[i];
    } else if (s >= 0 && std::find(dying.begin(), dying.end(), s) != dying.end()) {
      std::optional<Tensor>& owned = frame.owned[static_cast<std::size_t>(s)];
      if (owned && ins[i] == &*owned) donor = &*owned, owner = &owned;
    }
    if (!donor || donor->numel() == 0) continue;
    out = std::move(*donor);
    for (const Tensor*& in : ins)
      if (in == donor) in = &out;
    if (owner) {
      owner->reset();
      frame.view[static_cast<std::size_t>(s)] = nullptr;
    }
    return;
  }
}

void GraphExecutor::run_step(Frame& frame, const Step& step, OpHook* hook, std::span<const int> dying) const {
  const Op& op = *step.op;
  // Plain locals, not thread_local buffers: while a kernel waits on TBB this thread may
  // run another batch's step, which would overwrite a shared buffer under it.
  const std::size_t n_in = step.inputs.size();
  std::vector<const Tensor*> ins;
  std::vector<Tensor> maps;
  ins.assign(n_in, nullptr);
  if (hook) maps.resize(n_in);
  for (std::size_t i = 0; i < n_in; ++i) {
    const int s = step.inputs[i];
    if (s < 0) continue;
    const Tensor* value = frame.view[static_cast<std::size_t>(s)];
    if (!value)
      throw Error(fmt::format("{}: input {} '{}' has no value (freed or never computed)", op_label(op), i,
                              vars_[static_cast<std::size_t>(s)]->name));
    ins[i] = value;
    if (hook) {
      try {
        if (hook->map_input(op, i, *value, maps[i])) ins[i] = &maps[i];
      } catch (...) {
        rethrow_for(op);
      }
    }
  }
  std::vector<Tensor> outs(step.outputs.size());
  if (step.in_place && !outs.empty()) hand_over_dying_input(frame, step, ins, maps, dying, outs[0]);
  try {
    step.kernel(op, std::span<const Tensor* const>(ins.data(), ins.size()), std::span<Tensor>(outs));
    if (hook) hook->on_outputs(op, std::span<Tensor>(outs));
  } catch (...) {
    rethrow_for(op);
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const int s = step.outputs[i];
    if (s < 0) continue;
    auto& slot = frame.owned[static_cast<std::size_t>(s)];
    slot = std::move(outs[i]);
    frame.view[static_cast<std::size_t>(s)] = &*slot;
  }
}

void GraphExecutor::execute(Frame& frame, const std::vector<std::size_t>& order,
                            const std::vector<std::vector<int>>& free_after, const std::vector<bool>& keep,
                            OpHook* hook) const {
  std::vector<int> dying;
  for (std::size_t k = 0; k < order.size(); ++k) {
    dying.clear();
    for (int s : free_after[k])
      if (!keep[static_cast<std::size_t>(s)]) dying.push_back(s);
    run_step(frame, steps_[order[k]], hook, dying);
    for (int s : free_after[k]) {
      const auto u = static_cast<std::size_t>(s);
      if (keep[u] || !frame.owned[u]) continue;  // kept, or not ours (parameter, feed, cache)
      frame.owned[u].reset();
      frame.view[u] = nullptr;
    }
  }
}

GraphExecutor::Frame GraphExecutor::run_all(const std::vector<const Tensor*>& feeds, const std::vector<bool>& keep,
                                            OpHook* hook) const {
  Frame frame = make_frame();
  for (std::size_t i = 0; i < input_slots_.size(); ++i) {
    check_feed(*graph_.inputs()[i], *feeds[i]);
    frame.view[static_cast<std::size_t>(input_slots_[i])] = feeds[i];
  }
  execute(frame, all_steps_, free_after_, keep, hook);
  return frame;
}

TensorMap GraphExecutor::collect(Frame& frame, const RunRequest& request, const std::vector<bool>& computed) const {
  TensorMap result;
  auto take = [&](std::size_t s) {
    const Variable& v = *vars_[s];
    if (frame.owned[s]) result.insert_or_assign(v.name, std::move(*frame.owned[s]));
    else if (frame.view[s]) result.insert_or_assign(v.name, *frame.view[s]);  // feed, parameter or cache: copy
    else throw Error(fmt::format("variable '{}' was not computed by this run", v.name));
  };
  if (request.keep_all) {
    for (std::size_t s = 0; s < vars_.size(); ++s)
      if (computed[s] && (frame.owned[s] || frame.view[s])) take(s);
    return result;
  }
  if (request.fetch.empty()) {
    for (int s : output_slots_) take(static_cast<std::size_t>(s));
  } else {
    for (const std::string& name : request.fetch) take(static_cast<std::size_t>(slot_of_.at(name)));
  }
  return result;
}

TensorMap GraphExecutor::run(const TensorMap& feeds, const RunRequest& request) const {
  for (const auto& [name, value] : feeds) {
    const Variable* v = graph_.find_variable(name);
    if (!v || std::find(graph_.inputs().begin(), graph_.inputs().end(), v) == graph_.inputs().end())
      throw Error(fmt::format("feed '{}' is not an input of graph '{}'", name, graph_.name));
  }
  std::vector<const Tensor*> views;
  for (const Variable* input : graph_.inputs()) {
    auto it = feeds.find(input->name);
    if (it == feeds.end()) throw Error(fmt::format("missing feed for graph input '{}'", input->name));
    views.push_back(&it->second);
  }
  const std::vector<bool> keep = keep_mask(request);
  Frame frame = run_all(views, keep, request.hook);
  // keep_all returns the graph inputs and every op output, not the parameters.
  std::vector<bool> computed(vars_.size(), true);
  for (int s : param_slots_) computed[static_cast<std::size_t>(s)] = false;
  return collect(frame, request, computed);
}

std::vector<Tensor> GraphExecutor::run(const std::vector<Tensor>& inputs, OpHook* hook) const {
  if (inputs.size() != input_slots_.size())
    throw Error(fmt::format("graph '{}' has {} inputs, got {} tensors", graph_.name, input_slots_.size(), inputs.size()));
  std::vector<const Tensor*> views;
  for (const Tensor& t : inputs) views.push_back(&t);
  RunRequest request;
  const std::vector<bool> keep = keep_mask(request);
  Frame frame = run_all(views, keep, hook);
  std::vector<Tensor> outputs;
  outputs.reserve(output_slots_.size());
  for (int s : output_slots_) {
    const auto u = static_cast<std::size_t>(s);
    // A variable listed twice as an output is moved once, then copied.
    if (frame.owned[u]) {
      outputs.push_back(*frame.owned[u]);
      if (std::count(output_slots_.begin(), output_slots_.end(), s) == 1) frame.owned[u].reset();
    } else {
      outputs.push_back(*frame.view[u]);
    }
  }
  return outputs;
}

TensorMap GraphExecutor::run_from(const TensorMap& cache, const std::vector<const Op*>& changed,
                                  const RunRequest& request) const {
  for (const Op* op : changed)
    if (!op || !step_of_.count(op))
      throw Error(fmt::format("run_from: op '{}' is not part of graph '{}'", op ? op->name : "<null>", graph_.name));
  std::vector<std::size_t> order;
  for (const Op* op : graph_.downstream_of(changed)) order.push_back(step_of_.at(op));
  std::sort(order.begin(), order.end());

  const std::vector<bool> keep = keep_mask(request);
  Frame frame = make_frame();
  std::vector<bool> computed(vars_.size(), false);
  for (std::size_t k : order)
    for (int s : steps_[k].outputs)
      if (s >= 0) computed[static_cast<std::size_t>(s)] = true;
  // Everything the replayed ops read that they do not compute comes from the cache.
  auto from_cache = [&](std::size_t s, const std::string& reader) {
    if (frame.view[s] || computed[s]) return;
    auto it = cache.find(vars_[s]->name);
    if (it == cache.end())
      throw Error(fmt::format("run_from: value of '{}' (read by {}) is not in the cache", vars_[s]->name, reader));
    frame.view[s] = &it->second;
  };
  for (std::size_t k : order)
    for (int s : steps_[k].inputs)
      if (s >= 0) from_cache(static_cast<std::size_t>(s), op_label(*steps_[k].op));
  if (!request.keep_all) {
    for (std::size_t s = 0; s < vars_.size(); ++s)
      if (keep[s]) from_cache(s, "the request");
  }
  execute(frame, order, last_readers(order), keep, request.hook);
  return collect(frame, request, computed);
}

std::vector<std::vector<Tensor>> GraphExecutor::run_batches(std::span<const std::vector<Tensor>> batches,
                                                            OpHook* hook) const {
  std::vector<std::vector<Tensor>> results(batches.size());
  tbb::parallel_for(std::size_t{0}, batches.size(), [&](std::size_t i) { results[i] = run(batches[i], hook); });
  return results;
}

}  // namespace qtune
