#include "export/activation_layout.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "export/espdl_op_sets.h"
#include "export/export_rewrites.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

Perm nhwc_perm(std::size_t rank) {
  if (rank == 4) return {0, 2, 3, 1};
  if (rank == 3) return {0, 2, 1};
  return identity_perm(rank);
}

bool is_identity(const Perm& p) { return p == identity_perm(p.size()); }

// A Transpose's perm with negative entries counted from the end (esp-ppq writes some so).
Perm perm_attr(const Op& t) {
  Perm p = t.attributes.get_ints("perm");
  for (auto& v : p)
    if (v < 0) v += static_cast<std::int64_t>(p.size());
  return p;
}

class Layout {
 public:
  explicit Layout(ExportGraph& eg) : eg_(eg), g_(eg.graph) {}

  void run() {
    for (Op* op : g_.topological_order()) {
      const std::string& t = op->type;
      if (is_conv_layout_op(t)) conv_like(*op);
      else if (is_activation_op(t) || is_quant_op_type(t) || is_math_op(t)) passive(*op);
      else if (is_add_like_op(t)) add_like(*op);
      else if (is_softmax_like_op(t) || t == "LpNormalization" || is_reduce_op(t)) axis_op(*op);
      else if (t == "Concat") concat(*op);
      else if (t == "Resize") resize(*op);
      else if (is_restore_layout_op(t)) restore(*op);
      else eg_.warn(fmt::format("export: no NHWC layout rule for op '{}' ({}); its outputs keep the ONNX layout", op->name, t));
    }
    for (Op* op : g_.topological_order())
      if (alive(op)) fuse_transpose_activation(*op);
    for (Op* op : g_.topological_order())
      if (alive(op)) fuse_transposes(*op);
  }

 private:
  const Perm* perm(const Variable& v) const {
    auto it = eg_.perms.find(v.name);
    return it == eg_.perms.end() ? nullptr : &it->second;
  }
  std::size_t rank(const Variable& v) const { return eg_.logical_shape(v).size(); }
  Perm default_perm(const Variable& v) const { return identity_perm(rank(v)); }
  // The input's perm, recording the identity when it has none (esp-ppq's get_default_perm).
  Perm perm_or_default(const Variable& v) {
    if (const Perm* p = perm(v)) return *p;
    return eg_.perms[v.name] = default_perm(v);
  }
  bool alive(const Op* op) const { return removed_.count(op) == 0; }

  // Transpose before consumer input `index` turning its layout into `target`.
  void insert_transpose(Op& consumer, std::size_t index, const Perm& from, const Perm& target) {
    const QuantSlot config = input_config(consumer, index);
    Attributes attrs;
    attrs.set("perm", apply_perm(inverse_perm(from), target));
    Op& t = eg_.insert_before(consumer, index, "Transpose", std::move(attrs));
    // Quantized like the input it feeds (esp-ppq gives it the consumer's input config).
    if (op_quant_bits(consumer) && config) {
      t.annotations[kQuantBitsAnnotation] = std::to_string(op_quant_bits(consumer));
      t.input_quant[0] = config;
      t.outputs[0]->quant = config;
    }
    eg_.perms[t.outputs[0]->name] = target;
  }

  void restore(Op& op) {
    for (std::size_t i = 0; i < op.inputs.size(); ++i) {
      Variable* v = op.inputs[i];
      if (!v || v->is_parameter) continue;
      const Perm* p = perm(*v);
      if (p && !is_identity(*p)) insert_transpose(op, i, *p, identity_perm(p->size()));
      else eg_.perms[v->name] = default_perm(*v);
    }
    for (Variable* o : op.outputs) eg_.perms[o->name] = default_perm(*o);
  }

  void conv_like(Op& op) {
    for (std::size_t i = 0; i < op.inputs.size(); ++i) {
      Variable* v = op.inputs[i];
      if (!v || v->is_parameter) continue;
      const Perm target = nhwc_perm(rank(*v));
      const Perm* p = perm(*v);
      if (!p) eg_.perms[v->name] = target;
      else if (*p != target) insert_transpose(op, i, *p, target);
    }
    for (Variable* o : op.outputs) eg_.perms[o->name] = nhwc_perm(rank(*o));
  }

  void passive(Op& op) {
    if (op.inputs.empty() || !op.inputs[0]) return;
    const Perm p = perm_or_default(*op.inputs[0]);
    for (Variable* o : op.outputs) eg_.perms[o->name] = p;
  }

  void add_like(Op& op) {
    if (op.inputs.size() < 2 || !op.inputs[0] || !op.inputs[1]) return restore(op);
    Variable& a = *op.inputs[0];
    Variable& b = *op.inputs[1];
    Variable& out = *op.outputs[0];
    const std::size_t out_rank = rank(out);
    Perm pa = a.is_parameter ? Perm{} : perm_or_default(a);
    Perm pb = b.is_parameter ? Perm{} : perm_or_default(b);
    if (!a.is_parameter && !b.is_parameter) {
      if (pa == pb) {
        eg_.perms[out.name] = pa;
        return;
      }
      if (pa.size() != pb.size()) return restore(op);  // broadcasting across ranks: no transpose bridges it
      const Perm target = choose_perm(pa, pb, out_rank);
      if (pa != target) insert_transpose(op, 0, pa, target);
      if (pb != target) insert_transpose(op, 1, pb, target);
      eg_.perms[out.name] = target;
    } else if (b.is_parameter) {
      // The constant is layout-agnostic; a constant that raises the rank breaks the inherited layout.
      if (!a.is_parameter && pa.size() == out_rank) eg_.perms[out.name] = pa;
      else restore(op);
    } else {
      if (pb.size() == out_rank) eg_.perms[out.name] = pb;
      else restore(op);
    }
  }

  // NHWC when exactly one side has it, else the non-identity side, else the first.
  static Perm choose_perm(const Perm& a, const Perm& b, std::size_t rank) {
    const Perm nhwc = (rank == 4 || rank == 3) ? nhwc_perm(rank) : Perm{};
    const bool na = !nhwc.empty() && a == nhwc, nb = !nhwc.empty() && b == nhwc;
    if (na && !nb) return a;
    if (nb && !na) return b;
    if (!is_identity(a) && is_identity(b)) return a;
    if (!is_identity(b) && is_identity(a)) return b;
    return a;
  }

  void axis_op(Op& op) {
    Variable& in = op.input(0);
    Perm p = perm_or_default(in);
    const std::int64_t r = static_cast<std::int64_t>(p.size());
    auto position = [&](std::int64_t axis) {
      const auto it = std::find(p.begin(), p.end(), ((axis % r) + r) % r);
      if (it == p.end()) throw Error(fmt::format("export: axis {} of op '{}' out of range", axis, op.name));
      return static_cast<std::int64_t>(it - p.begin());
    };
    const bool permuted = !is_identity(p);
    std::vector<std::int64_t> axes;  // Reduce axes as they hold after the remap
    if (is_reduce_op(op.type) && op.has_input(1) && op.inputs[1]->value && op.inputs[1]->value->numel() > 0)
      axes = op.inputs[1]->value->to_int64();
    if (permuted && r > 0) {
      if (is_reduce_op(op.type)) {
        if (!axes.empty()) {
          for (auto& a : axes) a = position(a);
          std::sort(axes.begin(), axes.end());
          op.inputs[1]->value = Tensor::from<std::int64_t>({static_cast<std::int64_t>(axes.size())}, axes);
        }
      } else {
        const std::int64_t fallback = op.type == "Split" ? 0 : -1;  // ONNX defaults
        op.attributes.set("axis", position(op.attributes.get_int("axis", fallback)));
      }
    }
    Perm out = p;
    if (is_reduce_op(op.type) && op.attributes.get_int("keepdims", 1) == 0) {
      if (!axes.empty()) {
        std::vector<std::int64_t> desc = axes;
        for (auto& a : desc) a = ((a % r) + r) % r;
        std::sort(desc.rbegin(), desc.rend());
        for (std::int64_t a : desc) {
          const std::int64_t removed = out[static_cast<std::size_t>(a)];
          out.erase(out.begin() + a);
          for (auto& x : out)
            if (x > removed) --x;
        }
        if (out.empty()) out = {0};
      } else if (!op.attributes.get_int("noop_with_empty_axes", 0)) {
        out = {0};
      }
    }
    for (Variable* o : op.outputs) eg_.perms[o->name] = out;
  }

  void concat(Op& op) {
    std::vector<std::optional<Perm>> seen;
    for (Variable* v : op.inputs) {
      std::optional<Perm> p;
      if (v && perm(*v)) p = *perm(*v);
      if (std::find(seen.begin(), seen.end(), p) == seen.end()) seen.push_back(p);
    }
    if (seen.size() != 1 || !seen[0] || seen[0]->empty()) return restore(op);
    const Perm& p = *seen[0];
    const std::int64_t r = static_cast<std::int64_t>(p.size());
    const std::int64_t axis = ((op.attributes.get_int("axis") % r) + r) % r;
    op.attributes.set("axis", static_cast<std::int64_t>(std::find(p.begin(), p.end(), axis) - p.begin()));
    eg_.perms[op.outputs[0]->name] = p;
  }

  void resize(Op& op) {
    Variable& in = op.input(0);
    const Shape in_shape = eg_.logical_shape(in);
    const std::size_t r = in_shape.size();
    if (r != 4 && r != 3)
      throw InputError(fmt::format("export: Resize '{}' has a rank-{} input; ESP-DL resizes 1-D and 2-D maps only", op.name, r));
    const Perm target = nhwc_perm(r);
    if (const Perm* p = perm(in)) {
      if (*p != target) insert_transpose(op, 0, *p, target);
    } else {
      eg_.perms[in.name] = target;
    }
    if (op.attributes.has("axes"))
      throw InputError(fmt::format("export: Resize '{}' has an `axes` attribute (opset 18), not exported yet", op.name));
    // With `sizes`, esp-ppq also writes the scale factors sizes / input into `scales`.
    Variable* scales = op.has_input(2) ? op.inputs[2] : nullptr;
    Variable* sizes = op.has_input(3) ? op.inputs[3] : nullptr;
    if (sizes && sizes->value) {
      const std::string policy = op.attributes.get_string("keep_aspect_ratio_policy", "stretch");
      if (policy != "stretch")
        throw InputError(fmt::format("export: Resize '{}' keep_aspect_ratio_policy '{}' is not exported yet", op.name, policy));
      if (scales && scales->value) {
        const auto sz = sizes->value->to_int64();
        std::vector<float> f;
        for (std::size_t i = 0; i < r; ++i) f.push_back(static_cast<float>(static_cast<double>(sz.at(i)) / static_cast<double>(in_shape[i])));
        scales->value = Tensor::from<float>({static_cast<std::int64_t>(r)}, f);
      }
    }
    eg_.perms[op.outputs[0]->name] = target;
  }

  // Removes a single-input single-output op, its readers read its input. Keeps it (false)
  // when its output is a graph output that cannot take the input's place.
  bool bypass(Op& op) {
    Variable& in = op.input(0);
    Variable& out = *op.outputs[0];
    if (g_.is_graph_output(out)) {
      // Let the input's producer write the graph output directly (the output keeps its name).
      Op* producer = in.producer;
      if (!producer || in.consumers.size() != 1 || g_.is_graph_output(in)) return false;
      removed_.insert(&op);
      g_.remove_op(op);
      for (auto& o : producer->outputs)
        if (o == &in) o = &out;
      out.producer = producer;
      in.producer = nullptr;
      eg_.perms[out.name] = eg_.perm_or_identity(in);
      eg_.shapes[out.name] = eg_.logical_shape(in);
      eg_.shapes.erase(in.name);
      eg_.perms.erase(in.name);
      g_.remove_variable(in);
      return true;
    }
    g_.replace_all_uses(out, in);
    removed_.insert(&op);
    g_.remove_op(op);
    eg_.shapes.erase(out.name);
    eg_.perms.erase(out.name);
    g_.remove_variable(out);
    return true;
  }

  static std::vector<Op*> readers(const Op& op) {
    std::vector<Op*> out;
    for (const Variable* v : op.outputs)
      for (Op* c : v->consumers)
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    return out;
  }

  // Transpose -> activation -> Transpose: the first moves into the second.
  void fuse_transpose_activation(Op& t1) {
    if (t1.type != "Transpose") return;
    const auto next = readers(t1);
    if (next.size() != 1 || !is_activation_op(next[0]->type) || next[0]->type == "PRelu") return;
    Op& act = *next[0];
    const auto after = readers(act);
    if (after.size() != 1 || after[0]->type != "Transpose") return;
    Op& t2 = *after[0];
    const Perm fused = apply_perm(perm_attr(t1), perm_attr(t2));
    Variable& x = t1.input(0);
    if (g_.is_graph_output(*t1.outputs[0]) || !bypass(t1)) return;
    // The activation now runs on x as laid out.
    for (Variable* o : act.outputs) {
      eg_.shapes[o->name] = eg_.logical_shape(x);
      eg_.perms[o->name] = eg_.perm_or_identity(x);
    }
    t2.attributes.set("perm", fused);
    if (is_identity(fused)) bypass(t2);
  }

  // Chains of Transposes become one; an identity Transpose disappears.
  void fuse_transposes(Op& op) {
    if (op.type != "Transpose") return;
    Perm p = perm_attr(op);
    for (;;) {
      const auto next = readers(op);
      if (next.size() != 1 || next[0]->type != "Transpose" || op.outputs[0]->consumers.size() != 1) break;
      Op& d = *next[0];
      p = apply_perm(p, perm_attr(d));
      Variable& mid = *op.outputs[0];
      Variable& out = *d.outputs[0];
      if (g_.is_graph_output(mid)) break;
      removed_.insert(&d);
      g_.remove_op(d);
      mid.producer = nullptr;
      op.outputs[0] = &out;
      out.producer = &op;
      eg_.shapes.erase(mid.name);
      eg_.perms.erase(mid.name);
      g_.remove_variable(mid);
      // The merged op reads with its own input config and produces with the second's.
      op.attributes.set("perm", p);
    }
    if (is_identity(p)) bypass(op);
  }

  ExportGraph& eg_;
  Graph& g_;
  std::set<const Op*> removed_;  // compared by address only: removed ops are freed
};

}  // namespace

void reset_activation_layout(ExportGraph& export_graph) { Layout(export_graph).run(); }

}  // namespace qtune
