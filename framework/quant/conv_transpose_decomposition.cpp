#include "quant/conv_transpose_decomposition.h"

#include <optional>

#include <fmt/format.h>

#include "exec/kernels/insert_zeros.h"
#include "onnx/esp_ppq_history.h"

namespace qtune {
namespace {

// esp-ppq's generated names: its graph counters, skipping names qtune's graph already uses.
class GeneratedNames {
 public:
  explicit GeneratedNames(const Graph& graph) : graph_(graph), next_var_(esp_ppq_generated_variables(graph)) {}
  std::string op() { return next("PPQ_Operation_{}", next_op_); }
  std::string variable() { return next("PPQ_Variable_{}", next_var_); }

 private:
  std::string next(const char* pattern, std::size_t& counter) {
    std::string name;
    do name = fmt::format(fmt::runtime(pattern), counter++);
    while (graph_.find_op(name) || graph_.find_variable(name));
    return name;
  }
  const Graph& graph_;
  std::size_t next_op_ = 0, next_var_ = 0;
};

// What the Conv and the InsertZeros need, or why the op stays a ConvTranspose.
struct Plan {
  std::vector<std::int64_t> kernel, strides, dilations, output_padding, pads_begin, pads_end;
  std::int64_t group = 1;
  bool insert_zeros = false;
};

std::optional<Plan> plan(const Op& op, std::string& why) {
  const Variable* w = op.has_input(1) ? op.inputs[1] : nullptr;
  if (!w || !w->is_parameter || !w->value || w->value->dtype() != DType::Float32) {
    why = "its weight is not a float32 constant";
    return std::nullopt;
  }
  const Tensor& weight = *w->value;
  if (weight.rank() != 3 && weight.rank() != 4) {
    why = fmt::format("weight {} is not 1-D or 2-D (ESP-DL's InsertZeros and qtune's Conv kernel are)",
                      shape_str(weight.shape()));
    return std::nullopt;
  }
  const std::size_t n = weight.rank() - 2;
  const auto& a = op.attributes;
  Plan p;
  p.group = a.get_int("group", 1);
  if (p.group < 1 || weight.dim(0) % p.group != 0) {
    why = fmt::format("group {} does not divide the weight's {} input channels", p.group, weight.dim(0));
    return std::nullopt;
  }
  p.kernel.assign(weight.shape().begin() + 2, weight.shape().end());
  p.strides = a.get_ints("strides", std::vector<std::int64_t>(n, 1));
  p.dilations = a.get_ints("dilations", std::vector<std::int64_t>(n, 1));
  p.output_padding = a.get_ints("output_padding", std::vector<std::int64_t>(n, 0));
  auto pads = a.get_ints("pads", std::vector<std::int64_t>(2 * n, 0));
  if (p.strides.size() != n || p.dilations.size() != n || p.output_padding.size() != n || pads.size() != 2 * n) {
    why = fmt::format("strides/dilations/output_padding need {} values and pads {}", n, 2 * n);
    return std::nullopt;
  }
  const std::string auto_pad = a.get_string("auto_pad", "NOTSET");
  auto out_shape = a.get_ints("output_shape", {});
  if (!out_shape.empty() && out_shape.size() < n) {
    why = fmt::format("output_shape has {} values, fewer than the {} spatial dims", out_shape.size(), n);
    return std::nullopt;
  }
  if (!out_shape.empty()) out_shape.erase(out_shape.begin(), out_shape.end() - static_cast<std::ptrdiff_t>(n));
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  for (std::size_t i = 0; i < n; ++i) {
    if (p.strides[i] < 1 || p.dilations[i] < 1 || p.output_padding[i] < 0) {
      why = fmt::format("spatial dim {}: stride {}, dilation {}, output_padding {} out of range", i, p.strides[i],
                        p.dilations[i], p.output_padding[i]);
      return std::nullopt;
    }
    std::int64_t begin = auto_pad == "VALID" ? 0 : pads[i], end = auto_pad == "VALID" ? 0 : pads[i + n];
    if (!out_shape.empty() || same) {
      // Total padding from the output size, split as the ConvTranspose kernel (and ONNX Runtime) does.
      const Shape& xs = op.input(0).shape;
      const std::int64_t in = xs.size() == n + 2 ? xs[i + 2] : -1;
      if (in < 1) {
        why = fmt::format("auto_pad {} / output_shape need the input's static spatial dims, unknown for '{}'", auto_pad,
                          op.input(0).name);
        return std::nullopt;
      }
      const std::int64_t full = p.strides[i] * (in - 1) + p.output_padding[i] + (p.kernel[i] - 1) * p.dilations[i] + 1;
      const std::int64_t total = full - (out_shape.empty() ? in * p.strides[i] : out_shape[i]);
      begin = auto_pad == "SAME_UPPER" ? total - total / 2 : total / 2;
      end = total - begin;
    }
    const std::int64_t reach = p.dilations[i] * (p.kernel[i] - 1);
    p.pads_begin.push_back(reach - begin);
    p.pads_end.push_back(reach - end);
    if (p.pads_begin.back() < 0 || p.pads_end.back() < 0) {
      why = fmt::format("spatial dim {}: pads {}/{} exceed dilation·(kernel − 1) = {} (a Conv cannot crop)", i, begin,
                        end, reach);
      return std::nullopt;
    }
    if (p.strides[i] > 1 || p.output_padding[i] > 0) p.insert_zeros = true;
  }
  return p;
}

// [Cin, Cout/g, k...] -> [Cout, Cin/g, k...], flipped in every spatial dim.
Tensor conv_weight(const Tensor& w, std::int64_t group) {
  const std::int64_t cin = w.dim(0), cout_g = w.dim(1), cin_g = cin / group;
  const std::int64_t kh = w.rank() == 4 ? w.dim(2) : 1, kw = w.dim(-1), kk = kh * kw;
  Shape shape = w.shape();
  shape[0] = cout_g * group;
  shape[1] = cin_g;
  Tensor out = Tensor::uninitialized(DType::Float32, shape);
  const float* src = w.data<float>();
  float* dst = out.data<float>();
  for (std::int64_t g = 0; g < group; ++g)
    for (std::int64_t i = 0; i < cin_g; ++i)
      for (std::int64_t o = 0; o < cout_g; ++o) {
        const float* from = src + ((g * cin_g + i) * cout_g + o) * kk;
        float* to = dst + ((g * cout_g + o) * cin_g + i) * kk;
        for (std::int64_t y = 0; y < kh; ++y)
          for (std::int64_t x = 0; x < kw; ++x) to[(kh - 1 - y) * kw + (kw - 1 - x)] = from[y * kw + x];
      }
  return out;
}

Shape insert_zeros_shape(const Shape& x, const Plan& p) {
  if (x.size() != p.kernel.size() + 2) return {};
  Shape s = x;
  for (std::size_t i = 0; i < p.kernel.size(); ++i)
    if (s[i + 2] > 0) s[i + 2] = insert_zeros_length(s[i + 2], p.strides[i], p.output_padding[i]);
  return s;
}

}  // namespace

ConvTransposeDecompositionReport decompose_conv_transposes(Graph& graph, TargetPolicy& policy) {
  ConvTransposeDecompositionReport report;
  GeneratedNames names(graph);
  for (Op* op : esp_ppq_op_order(graph)) {
    if (op->type != "ConvTranspose" || !op->domain.empty()) continue;
    std::string why;
    const std::optional<Plan> p = plan(*op, why);
    if (!p) {
      report.notes.push_back(fmt::format("ConvTranspose '{}' kept (not decomposed into InsertZeros + Conv): {}", op->name, why));
      continue;
    }
    const std::size_t n = p->kernel.size();
    if (p->insert_zeros) {
      Variable& x = op->input(0);
      const std::string iz = names.op(), out = names.variable();
      Attributes attributes;
      attributes.set("stride", p->strides);
      attributes.set("output_padding", p->output_padding);
      graph.add_op(iz, "InsertZeros", {x.name}, {out}, std::move(attributes));
      Variable& xz = graph.variable(out);
      xz.dtype = x.dtype;
      xz.shape = insert_zeros_shape(x.shape, *p);
      graph.set_input(*op, 0, &xz);
      if (auto it = policy.dispatching_table().find(op->name); it != policy.dispatching_table().end())
        policy.dispatch(iz, it->second);
      ++report.insert_zeros;
    }
    // A weight other ops read too keeps its value for them; this op gets its own.
    Variable* w = op->inputs[1];
    Tensor flipped = conv_weight(*w->value, p->group);
    if (w->consumers.size() != 1 || graph.is_graph_output(*w)) {
      w = &graph.add_parameter(graph.unique_name(w->name + "_conv"), *w->value);
      graph.set_input(*op, 1, w);
    }
    w->shape = flipped.shape();
    w->value = std::move(flipped);

    std::vector<std::int64_t> pads = p->pads_begin;
    pads.insert(pads.end(), p->pads_end.begin(), p->pads_end.end());
    op->type = "Conv";
    op->attributes = Attributes();
    op->attributes.set("strides", std::vector<std::int64_t>(n, 1));
    op->attributes.set("pads", pads);
    op->attributes.set("dilations", p->dilations);
    op->attributes.set("group", p->group);
    op->attributes.set("kernel_shape", p->kernel);
    ++report.converted;
  }
  return report;
}

}  // namespace qtune
