#include "export/weight_layout.h"

#include <fmt/format.h>

#include "export/tensor_permute.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

// Output-channel block of the PIE SIMD kernels: 16 int8 or 8 int16 lanes.
int align_of(int data_bits) { return data_bits == 8 ? 16 : 8; }

std::string blocked_annotation(int align, bool unaligned, bool one_d) {
  return fmt::format("(N/{0}){1}{0}{2}", align, one_d ? "WC" : "HWC", unaligned ? "_UNALIGNED" : "");
}

}  // namespace

WeightLayout conv_filter_layout(const Tensor& weight, std::int64_t group, TargetFamily family, int data_bits) {
  const std::size_t rank = weight.rank();
  if (rank != 3 && rank != 4)
    throw Error(fmt::format("export: conv filter of shape {} is not 3-D or 4-D", shape_str(weight.shape())));
  const bool one_d = rank == 3;
  const bool depthwise = group > 1;
  const std::int64_t n = weight.dim(0), c = weight.dim(1);
  const std::int64_t h = one_d ? 1 : weight.dim(2), w = weight.dim(-1);
  // [N,C,(H,)W] -> [N,(H,)W,C]
  Tensor t = permute_tensor(weight, one_d ? std::vector<std::int64_t>{0, 2, 1} : std::vector<std::int64_t>{0, 2, 3, 1});
  WeightLayout out;
  if (family == TargetFamily::C) {
    out.annotation = one_d ? "NWC" : "NHWC";
    if (depthwise) {
      t = permute_tensor(t, one_d ? std::vector<std::int64_t>{1, 2, 0} : std::vector<std::int64_t>{1, 2, 3, 0});
      out.annotation = one_d ? "WCN" : "HWCN";
    }
  } else {
    const std::int64_t a = align_of(data_bits);
    const std::int64_t aligned = n / a * a;
    // [aligned,H,W,C] -> [N/A, A, H*W, C] -> [N/A, H*W, C, A]
    Tensor blocked = permute_tensor(slice_rows(t, 0, aligned).reshaped({aligned / a, a, h * w, c}), {0, 2, 3, 1})
                         .reshaped({aligned, h * w * c});
    if (n % a != 0) {
      Tensor rest = slice_rows(t, aligned, n).reshaped({n - aligned, h * w, c});
      if (depthwise) rest = permute_tensor(rest, {2, 1, 0});  // [n_rem,HW,C] -> [C,HW,n_rem]
      blocked = concat_rows(blocked, rest.reshaped({n - aligned, h * w * c}));
    }
    t = std::move(blocked);
    out.annotation = blocked_annotation(static_cast<int>(a), n % a != 0, one_d);
  }
  Shape dims = one_d ? (depthwise ? Shape{w, n, c} : Shape{w, c, n}) : (depthwise ? Shape{h, w, n, c} : Shape{h, w, c, n});
  out.value = t.reshaped(dims);
  return out;
}

WeightLayout gemm_weight_layout(const Tensor& weight, bool trans_b, TargetFamily family, int data_bits) {
  if (weight.rank() != 2) throw Error(fmt::format("export: Gemm weight of shape {} is not 2-D", shape_str(weight.shape())));
  const Tensor cn = trans_b ? permute_tensor(weight, {1, 0}) : weight;  // [C,N]
  const std::int64_t c = cn.dim(0), n = cn.dim(1);
  return conv_filter_layout(permute_tensor(cn, {1, 0}).reshaped({n, c, 1, 1}), 0, family, data_bits);
}

WeightLayout matmul_weight_layout(const Tensor& weight, TargetFamily family, int data_bits) {
  if (weight.rank() < 2) throw Error(fmt::format("export: MatMul weight of shape {} is not at least 2-D", shape_str(weight.shape())));
  const std::int64_t c = weight.dim(-2), n = weight.dim(-1);
  const std::int64_t count = c * n == 0 ? 0 : weight.numel() / (c * n);
  const Tensor mats = weight.reshaped({count, c * n});
  WeightLayout out;
  Tensor all;
  for (std::int64_t k = 0; k < count; ++k) {
    WeightLayout one = gemm_weight_layout(slice_rows(mats, k, k + 1).reshaped({c, n}), false, family, data_bits);
    Tensor row = one.value.reshaped({1, c * n});
    all = k == 0 ? row : concat_rows(all, row);
    out.annotation = one.annotation;
  }
  out.value = count == 0 ? weight : all.reshaped(weight.shape());
  return out;
}

void reset_weight_layout(ExportGraph& eg) {
  const TargetFamily family = eg.policy.family();
  for (Op* op : eg.graph.topological_order()) {
    const int bits = op_quant_bits(*op);
    if (!bits || is_quant_op_type(op->type)) continue;
    auto apply = [&](Variable& v, WeightLayout l) {
      v.value = std::move(l.value);
      eg.layouts[v.name] = std::move(l.annotation);
    };
    if (op->type == "Conv") {
      for (Variable* v : op->inputs)
        if (v && v->is_parameter && (v->value->rank() == 3 || v->value->rank() == 4))
          apply(*v, conv_filter_layout(*v->value, op->attributes.get_int("group", 0), family, bits));
    } else if (op->type == "Gemm") {
      const float alpha = op->attributes.get_float("alpha", 1.0f), beta = op->attributes.get_float("beta", 1.0f);
      if (alpha != 1.0f || beta != 1.0f)
        throw InputError(fmt::format("export: Gemm '{}' has alpha {} and beta {}; ESP-DL needs both 1", op->name, alpha, beta));
      for (Variable* v : op->inputs) {
        if (!v || !v->is_parameter || v->value->rank() != 2) continue;
        const bool trans_b = op->attributes.get_int("transB", 0) != 0;
        if (trans_b) op->attributes.set("transB", std::int64_t{0});
        apply(*v, gemm_weight_layout(*v->value, trans_b, family, bits));
      }
    } else if (op->type == "MatMul" && op->has_input(1) && op->inputs[1]->is_parameter && op->inputs[1]->value->rank() >= 2) {
      apply(*op->inputs[1], matmul_weight_layout(*op->inputs[1]->value, family, bits));
    }
  }
}

}  // namespace qtune
