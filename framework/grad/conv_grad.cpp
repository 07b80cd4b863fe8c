// Conv backward (1-D and 2-D; groups, depthwise, strides, dilations, pads): dX by col2im of
// Wᵀ·dY, dW by dY·colᵀ summed over images, dB by summing dY. Depthwise convs (one input
// channel per group) use direct loops, one task per channel; the others one task per
// (image, group), with per-thread dW accumulators.
#include <algorithm>

#include <fmt/format.h>

#include "exec/kernel_registry.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

using RowMatrix = Tensor::RowMatrix;
using ConstMatrix = Eigen::Map<const RowMatrix>;

struct Dims {
  std::int64_t n, c, h, w, m, group, cg, mg, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow;
  std::int64_t k() const { return cg * kh * kw; }
  std::int64_t p() const { return oh * ow; }
};

Dims conv_dims(const Op& op, const Tensor& x, const Tensor& weight) {
  const bool one_d = x.rank() == 3;
  if ((x.rank() != 3 && x.rank() != 4) || weight.rank() != x.rank())
    kernel_error(op, fmt::format("gradient: expected X and W of rank 3 or 4, got {} and {}", shape_str(x.shape()),
                                 shape_str(weight.shape())));
  Dims s{};
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.h = one_d ? 1 : x.dim(2);
  s.w = x.dim(-1);
  s.m = weight.dim(0);
  s.group = op.attributes.get_int("group", 1);
  s.cg = s.c / s.group;
  s.mg = s.m / s.group;
  s.kh = one_d ? 1 : weight.dim(2);
  s.kw = weight.dim(-1);
  const auto dims = resolve_spatial(op, one_d ? Shape{s.w} : Shape{s.h, s.w}, one_d ? Shape{s.kw} : Shape{s.kh, s.kw}, false);
  const SpatialDim& dw = dims.back();
  s.sw = dw.stride, s.dw = dw.dilation, s.pw = dw.pad_begin, s.ow = dw.out;
  if (one_d) {
    s.sh = s.dh = 1, s.ph = 0, s.oh = 1;
  } else {
    const SpatialDim& dh = dims.front();
    s.sh = dh.stride, s.dh = dh.dilation, s.ph = dh.pad_begin, s.oh = dh.out;
  }
  return s;
}

// Output columns [lo, hi) read input column x * stride + offset inside [0, w).
inline void valid_cols(std::int64_t out, std::int64_t w, std::int64_t stride, std::int64_t offset, std::int64_t& lo,
                       std::int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = w - offset <= 0 ? 0 : (w - offset - 1) / stride + 1;
  lo = std::min(lo, out);
  hi = std::clamp(hi, lo, out);
}

// Columns of one group of one image: (cg*kh*kw) x (oh*ow), zero where the window is padding.
void im2col(const Dims& s, const float* img, float* col) {
  const std::int64_t p = s.p();
  for (std::int64_t c = 0; c < s.cg; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i)
      for (std::int64_t j = 0; j < s.kw; ++j) {
        float* dst = col + ((c * s.kh + i) * s.kw + j) * p;
        const std::int64_t offset = j * s.dw - s.pw;
        std::int64_t lo, hi;
        valid_cols(s.ow, s.w, s.sw, offset, lo, hi);
        for (std::int64_t r = 0; r < s.oh; ++r, dst += s.ow) {
          const std::int64_t ih = r * s.sh - s.ph + i * s.dh;
          std::fill(dst, dst + s.ow, 0.0f);
          if (ih < 0 || ih >= s.h) continue;
          const float* src = img + (c * s.h + ih) * s.w;
          for (std::int64_t x = lo; x < hi; ++x) dst[x] = src[x * s.sw + offset];
        }
      }
}

// The adjoint of im2col: adds every column entry back onto the input position it read.
void col2im(const Dims& s, const float* col, float* img) {
  const std::int64_t p = s.p();
  for (std::int64_t c = 0; c < s.cg; ++c)
    for (std::int64_t i = 0; i < s.kh; ++i)
      for (std::int64_t j = 0; j < s.kw; ++j) {
        const float* src = col + ((c * s.kh + i) * s.kw + j) * p;
        const std::int64_t offset = j * s.dw - s.pw;
        std::int64_t lo, hi;
        valid_cols(s.ow, s.w, s.sw, offset, lo, hi);
        for (std::int64_t r = 0; r < s.oh; ++r, src += s.ow) {
          const std::int64_t ih = r * s.sh - s.ph + i * s.dh;
          if (ih < 0 || ih >= s.h) continue;
          float* dst = img + (c * s.h + ih) * s.w;
          for (std::int64_t x = lo; x < hi; ++x) dst[x * s.sw + offset] += src[x];
        }
      }
}

bool is_pointwise(const Dims& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0 && s.oh == s.h && s.ow == s.w;
}

// Depthwise: one task per input channel (its mg output channels, every image). Each input
// plane is copied into a zero-padded scratch once, so every tap reads whole rows without
// bounds checks: dW[tap] is one vectorised multiply-sum of dY with the strided window the tap
// reads, and dX (strided convs only: stride 1 goes through depthwise_dx_by_forward) is
// accumulated in a padded plane, then copied out.
void depthwise_backward(const Dims& s, const float* x, const float* wt, const float* dy, float* dx, float* dw) {
  const std::int64_t plane_in = s.h * s.w, plane_out = s.p(), taps = s.kh * s.kw;
  const std::int64_t pitch = std::max(s.pw + s.w, (s.ow - 1) * s.sw + (s.kw - 1) * s.dw + 1);
  const std::int64_t rows = std::max(s.ph + s.h, (s.oh - 1) * s.sh + (s.kh - 1) * s.dh + 1);
  parallel_chunks(s.c, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> xp(static_cast<std::size_t>(rows * pitch), 0.0f), dxp;
    if (dx) dxp.assign(xp.size(), 0.0f);
    for (std::int64_t ci = begin; ci < end; ++ci) {
      for (std::int64_t n = 0; n < s.n; ++n) {
        const float* in = x + (n * s.c + ci) * plane_in;
        // Plain loops: rows are short (memmove calls cost more than the copy).
        if (dw)
          for (std::int64_t r = 0; r < s.h; ++r) {
            float* dst = xp.data() + (s.ph + r) * pitch + s.pw;
            for (std::int64_t c = 0; c < s.w; ++c) dst[c] = in[r * s.w + c];
          }
        if (dx) std::fill(dxp.begin(), dxp.end(), 0.0f);
        for (std::int64_t m = ci * s.mg; m < (ci + 1) * s.mg; ++m) {
          const float* k = wt + m * taps;
          const float* g = dy + (n * s.m + m) * plane_out;
          const Eigen::Map<const RowMatrix> gm(g, s.oh, s.ow);
          for (std::int64_t i = 0; i < s.kh; ++i)
            for (std::int64_t j = 0; j < s.kw; ++j) {
              const std::int64_t at = i * s.dh * pitch + j * s.dw;
              // The input positions tap (i, j) reads for every output: rows r·sh, columns c·sw.
              if (dw) {
                float sum;
                if (s.sw == 1) {  // unit inner stride: Eigen vectorises the product and the sum
                  using Window = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
                  sum = gm.cwiseProduct(Window(xp.data() + at, s.oh, s.ow, Eigen::OuterStride<>(s.sh * pitch))).sum();
                } else {
                  using Window = Eigen::Map<const RowMatrix, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
                  sum = gm.cwiseProduct(Window(xp.data() + at, s.oh, s.ow,
                                               Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(s.sh * pitch, s.sw)))
                            .sum();
                }
                dw[m * taps + i * s.kw + j] += sum;
              }
              if (dx) {
                const float kv = k[i * s.kw + j];
                for (std::int64_t r = 0; r < s.oh; ++r) {
                  const float* __restrict grow = g + r * s.ow;
                  float* __restrict dr = dxp.data() + at + r * s.sh * pitch;
                  for (std::int64_t c = 0; c < s.ow; ++c) dr[c * s.sw] += kv * grow[c];
                }
              }
            }
        }
        if (dx) {
          float* out = dx + (n * s.c + ci) * plane_in;
          for (std::int64_t r = 0; r < s.h; ++r) {
            const float* src = dxp.data() + (s.ph + r) * pitch + s.pw;
            for (std::int64_t c = 0; c < s.w; ++c) out[r * s.w + c] = src[c];
          }
        }
      }
    }
  });
}

// dX of a stride-1 2-D depthwise conv is itself a depthwise conv: dY correlated with the
// spatially flipped kernel, padded by dilation·(k−1) − pad_begin before and h − oh + pad_begin
// after (so the result is h x w). The forward kernel (vectorised, in-place 3x3 planes) does
// it; a depth multiplier mg > 1 becomes a grouped conv of mg channels per group.
bool depthwise_dx_by_forward(const Op& op, const Dims& s, const Tensor& weight, const Tensor& dy, Tensor& dx) {
  if (dy.rank() != 4 || s.sh != 1 || s.sw != 1) return false;
  const std::int64_t pt = s.dh * (s.kh - 1) - s.ph, pl = s.dw * (s.kw - 1) - s.pw;
  const std::int64_t pb = s.h - s.oh + s.ph, pr = s.w - s.ow + s.pw;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return false;
  Tensor flipped = Tensor::uninitialized(DType::Float32, {s.c, s.mg, s.kh, s.kw});
  const float* w = weight.data<float>();
  float* f = flipped.data<float>();
  const std::int64_t taps = s.kh * s.kw;
  for (std::int64_t m = 0; m < s.m; ++m)  // output channel m = ci·mg + t -> flipped[ci][t]
    for (std::int64_t t = 0; t < taps; ++t) f[m * taps + t] = w[m * taps + (taps - 1 - t)];
  Op tmp;
  tmp.name = op.name + " (dX)";
  tmp.type = "Conv";
  tmp.attributes.set("group", s.c);
  tmp.attributes.set("pads", std::vector<std::int64_t>{pt, pl, pb, pr});
  tmp.attributes.set("dilations", std::vector<std::int64_t>{s.dh, s.dw});
  const Tensor* ins[] = {&dy, &flipped};
  Tensor outs[1];
  find_kernel("Conv")(tmp, std::span<const Tensor* const>(ins, 2), std::span<Tensor>(outs, 1));
  dx = std::move(outs[0]);
  return true;
}

void gemm_backward(const Dims& s, const float* x, const float* wt, const float* dy, float* dx, float* dw) {
  const std::int64_t k = s.k(), p = s.p(), plane_in = s.h * s.w;
  const bool pointwise = is_pointwise(s);
  ConstMatrix weights(wt, s.m, k);
  // dW: one partial per fixed chunk of (sample, group) items, added in chunk order, so the
  // sum has the same bits on every run and thread count (kDwChunks bounds the memory).
  constexpr std::int64_t kDwChunks = 8;
  const std::int64_t items = s.n * s.group, chunk_size = std::max<std::int64_t>(1, (items + kDwChunks - 1) / kDwChunks);
  std::vector<RowMatrix> partial(dw ? static_cast<std::size_t>((items + chunk_size - 1) / chunk_size) : 0);
  parallel_fixed_chunks(items, chunk_size, [&](std::int64_t chunk, std::int64_t begin, std::int64_t end) {
    std::vector<float> col;
    if (dw) partial[static_cast<std::size_t>(chunk)] = RowMatrix::Zero(s.m, k);
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t n = t / s.group, g = t % s.group;
      const float* img = x + (n * s.c + g * s.cg) * plane_in;
      ConstMatrix dy_g(dy + (n * s.m + g * s.mg) * p, s.mg, p);
      if (dw) {
        RowMatrix& acc = partial[static_cast<std::size_t>(chunk)];
        if (pointwise) {
          acc.middleRows(g * s.mg, s.mg).noalias() += dy_g * ConstMatrix(img, k, p).transpose();
        } else {
          col.resize(static_cast<std::size_t>(k * p));
          im2col(s, img, col.data());
          acc.middleRows(g * s.mg, s.mg).noalias() += dy_g * ConstMatrix(col.data(), k, p).transpose();
        }
      }
      if (dx) {
        float* dimg = dx + (n * s.c + g * s.cg) * plane_in;
        if (pointwise) {
          Eigen::Map<RowMatrix>(dimg, k, p).noalias() += weights.middleRows(g * s.mg, s.mg).transpose() * dy_g;
        } else {
          col.resize(static_cast<std::size_t>(k * p));
          Eigen::Map<RowMatrix> dcol(col.data(), k, p);
          dcol.noalias() = weights.middleRows(g * s.mg, s.mg).transpose() * dy_g;
          col2im(s, col.data(), dimg);
        }
      }
    }
  });
  if (dw) {
    Eigen::Map<RowMatrix> out(dw, s.m, k);
    for (const RowMatrix& part : partial) out += part;
  }
}

void conv_backward(const BackwardArgs& a) {
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const Tensor& weight = input_at(a.op, a.inputs, 1);
  const Dims s = conv_dims(a.op, x, weight);
  const Tensor& dy = (*a.grad_outputs[0]);
  const bool want_x = a.wanted[0], want_w = a.wanted.size() > 1 && a.wanted[1];
  const bool depthwise = s.cg == 1 && s.group > 1;
  float* dx = nullptr;
  float* dw = nullptr;
  bool x_done = false;
  if (want_x && depthwise) x_done = depthwise_dx_by_forward(a.op, s, weight, dy, a.grad_inputs[0]);
  if (want_x && !x_done) a.grad_inputs[0] = zeros_like(x), dx = a.grad_inputs[0].data<float>();
  if (want_w) a.grad_inputs[1] = zeros_like(weight), dw = a.grad_inputs[1].data<float>();
  if (dx || dw) {
    if (depthwise) depthwise_backward(s, x.data<float>(), weight.data<float>(), dy.data<float>(), dx, dw);
    else gemm_backward(s, x.data<float>(), weight.data<float>(), dy.data<float>(), dx, dw);
  }
  if (a.wanted.size() > 2 && a.wanted[2]) {
    Tensor db(DType::Float32, {s.m});
    ConstMatrix g(dy.data<float>(), s.n * s.m, s.p());
    const Eigen::VectorXf sums = g.rowwise().sum();
    float* pb = db.data<float>();
    for (std::int64_t n = 0; n < s.n; ++n)
      for (std::int64_t m = 0; m < s.m; ++m) pb[m] += sums[n * s.m + m];
    a.grad_inputs[2] = std::move(db.reshaped(a.inputs[2]->shape()));
  }
}

}  // namespace

void register_conv_gradients() { add_gradient("Conv", {conv_backward, nullptr}); }

}  // namespace qtune::grad
