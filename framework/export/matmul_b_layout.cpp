#include "export/matmul_b_layout.h"

#include <fmt/format.h>

#include "qtune/quant_graph.h"

namespace qtune {
namespace {

using Ints = std::vector<std::int64_t>;

Ints head(const Shape& s) { return Ints(s.begin(), s.end() - 2); }
Ints iota(std::size_t n) { return identity_perm(n); }
Ints cat(Ints a, const Ints& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Tensor int64s(const Ints& v) { return Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v); }

// Builds the chain in front of MatMul input 1, each node quantized as that input.
class Chain {
 public:
  Chain(ExportGraph& eg, Op& matmul) : eg_(eg), matmul_(matmul), config_(input_config(matmul, 1)) {}

  Op& transpose(const Ints& perm) {
    const Shape in = current_shape();
    Shape out;
    for (std::int64_t p : perm) out.push_back(in[static_cast<std::size_t>(p < 0 ? p + static_cast<std::int64_t>(in.size()) : p)]);
    Attributes a;
    a.set("perm", perm);
    return add("Transpose", std::move(a), out, {});
  }
  Op& reshape(const Ints& shape) {
    Attributes a;
    a.set("allowzero", std::int64_t{0});
    return add("Reshape", std::move(a), shape, {int64s(shape)});
  }
  // Slice of `input` (default: the chain's current input) feeding `consumer` input `index`.
  Op& slice(const Ints& starts, const Ints& ends, Op* consumer = nullptr, std::size_t index = 1) {
    Op& target = consumer ? *consumer : matmul_;
    const Shape in = eg_.logical_shape(target.input(index));
    Shape out = in;
    for (std::size_t i = 0; i < starts.size(); ++i) out[i] = ends[i] - starts[i];
    return add("Slice", {}, out, {int64s(starts), int64s(ends), int64s(iota(in.size())), int64s(Ints(in.size(), 1))}, &target, index);
  }
  // Concat(current, other) on `axis`.
  Op& concat(Variable& other, std::int64_t axis) {
    Shape out = current_shape();
    out[static_cast<std::size_t>(axis)] += eg_.logical_shape(other)[static_cast<std::size_t>(axis)];
    Attributes a;
    a.set("axis", axis);
    Op& c = add("Concat", std::move(a), out, {});
    eg_.graph.set_input(c, 1, &other);
    c.input_quant.resize(2);
    c.input_quant[1] = config_;
    return c;
  }

 private:
  Shape current_shape() const { return eg_.logical_shape(matmul_.input(1)); }

  Op& add(const std::string& type, Attributes attrs, const Shape& out_shape, std::vector<Tensor> params, Op* consumer = nullptr,
          std::size_t index = 1) {
    Op& target = consumer ? *consumer : matmul_;
    Op& node = eg_.insert_before(target, index, type, std::move(attrs));
    for (Tensor& p : params) eg_.add_parameter_input(node, std::move(p));
    Variable& out = *node.outputs[0];
    eg_.shapes[out.name] = out_shape;
    eg_.perms.erase(out.name);
    node.annotations[kQuantBitsAnnotation] = std::to_string(op_quant_bits(matmul_));
    node.input_quant.resize(node.inputs.size());
    node.input_quant[0] = config_;
    out.quant = config_;
    return node;
  }

  ExportGraph& eg_;
  Op& matmul_;
  QuantSlot config_;
};

}  // namespace

void insert_matmul_b_layout(ExportGraph& eg) {
  for (Op* op : eg.graph.topological_order()) {
    if (op->type != "MatMul" || !op_quant_bits(*op) || !op->has_input(1) || op->inputs[1]->is_parameter) continue;
    const QuantSlot& config = input_config(*op, 1);
    if (!config) continue;
    const Shape b = eg.logical_shape(op->input(1));
    const std::size_t d = b.size();
    if (d < 2) continue;
    if (config->bits != 8 && config->bits != 16) {
      eg.warn(fmt::format("export: MatMul '{}' input B has {} bits; ESP-DL lays out 8 or 16", op->name, config->bits));
      continue;
    }
    const std::int64_t c = b[d - 2], n = b[d - 1], a = config->bits == 8 ? 16 : 8;
    const Ints swap_last = cat(iota(d - 2), {-1, -2});
    Chain chain(eg, *op);
    if (eg.policy.family() == TargetFamily::C) {
      chain.transpose(swap_last);
      chain.reshape(Ints(b.begin(), b.end()));
    } else if (n % a == 0) {
      chain.reshape(cat(head(b), {c, n / a, a}));
      chain.transpose(cat(iota(d - 2), {-2, -3, -1}));
      chain.reshape(Ints(b.begin(), b.end()));
    } else {
      const std::int64_t aligned = n / a * a;
      Op& bt = chain.transpose(swap_last);  // [..., N, C]
      if (aligned > 0) {
        chain.slice(Ints(d, 0), cat(head(b), {aligned, c}));
        chain.reshape(cat(head(b), {n / a, a, c}));
        chain.transpose(cat(iota(d - 2), {-3, -1, -2}));
        chain.reshape(cat(head(b), {aligned, c}));
        Op& joined = chain.concat(*bt.outputs[0], static_cast<std::int64_t>(d) - 2);
        chain.slice(cat(Ints(d - 2, 0), {aligned, 0}), cat(head(b), {n, c}), &joined, 1);
        eg.shapes[joined.outputs[0]->name] = cat(head(b), {n, c});  // aligned rows + the sliced rest
      }
      chain.reshape(Ints(b.begin(), b.end()));
    }
  }
}

}  // namespace qtune
