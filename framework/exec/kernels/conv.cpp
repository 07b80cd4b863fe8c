// Conv (1-D and 2-D; groups, depthwise, strides, dilations, pads, auto_pad).
// Three paths: a direct loop for depthwise (one input channel per group; 3x3 pad-1 planes of
// vector-friendly width read the input in place, others go through a padded copy), a plain
// GEMM for 1x1 stride-1 unpadded convs (a register-blocked kernel when small, Eigen when
// large), and im2col + Eigen GEMM otherwise. Work is split
// into (image, group, tile of output rows) tasks so batch 1 still uses every core.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

namespace {

using RowMatrix = Tensor::RowMatrix;
using StridedMap = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;
using ConstStridedMap = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;

// im2col floats per task at most (about 1 MiB): keeps the column block in L2.
constexpr std::int64_t kMaxColumnFloats = 1 << 18;

struct ConvShape {
  std::int64_t n, c, h, w, m, group, cg, mg, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow;
};

ConvShape conv_shape(const Op& op, const Tensor& x, const Tensor& weight) {
  const bool one_d = x.rank() == 3;
  if ((x.rank() != 3 && x.rank() != 4) || weight.rank() != x.rank())
    kernel_error(op, fmt::format("expected X and W of rank 3 (1-D) or 4 (2-D), got X {} and W {}",
                                 shape_str(x.shape()), shape_str(weight.shape())));
  ConvShape s{};
  s.n = x.dim(0);
  s.c = x.dim(1);
  s.h = one_d ? 1 : x.dim(2);
  s.w = x.dim(-1);
  s.m = weight.dim(0);
  s.group = op.attributes.get_int("group", 1);
  if (s.group < 1 || s.c % s.group != 0 || s.m % s.group != 0 || weight.dim(1) * s.group != s.c)
    kernel_error(op, fmt::format("group {} does not fit X {} and W {} (expected W[1] * group == C)", s.group,
                                 shape_str(x.shape()), shape_str(weight.shape())));
  s.cg = s.c / s.group;
  s.mg = s.m / s.group;
  s.kh = one_d ? 1 : weight.dim(2);
  s.kw = weight.dim(-1);
  const Shape in_spatial = one_d ? Shape{s.w} : Shape{s.h, s.w};
  const Shape kernel = one_d ? Shape{s.kw} : Shape{s.kh, s.kw};
  const auto dims = resolve_spatial(op, in_spatial, kernel, false);
  const SpatialDim& dh = dims.front();
  const SpatialDim& dw = dims.back();
  s.sw = dw.stride;
  s.dw = dw.dilation;
  s.pw = dw.pad_begin;
  s.ow = dw.out;
  if (one_d) {
    s.sh = s.dh = 1;
    s.ph = 0;
    s.oh = 1;
  } else {
    s.sh = dh.stride;
    s.dh = dh.dilation;
    s.ph = dh.pad_begin;
    s.oh = dh.out;
  }
  return s;
}

// Output columns [x_lo, x_hi) read input column x * stride + offset inside [0, w).
inline void valid_range(std::int64_t out, std::int64_t w, std::int64_t stride, std::int64_t offset,
                        std::int64_t& x_lo, std::int64_t& x_hi) {
  x_lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  x_hi = w - offset <= 0 ? 0 : (w - offset - 1) / stride + 1;
  x_lo = std::min(x_lo, out);
  x_hi = std::clamp(x_hi, x_lo, out);
}

// One depthwise plane from a zero-padded input plane `pin` (row pitch `pitch`). Output
// columns go in blocks of kLanes held in one vector register (GCC/Clang vector
// extensions: AVX2 with -march=x86-64-v3, two SSE registers otherwise) that sums the
// kh*kw taps with one store per block; KH/KW/SW > 0 fix the kernel size and stride at
// compile time (the common 3x3 and 5x5, stride 1 or 2) so the taps unroll; 0 = runtime.
constexpr std::int64_t kLanes = 8;
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));

inline Lanes load_lanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Lanes p[0], p[2], ..., p[14] (stride-2 columns).
inline Lanes load_even_lanes(const float* p) {
  const Lanes lo = load_lanes(p), hi = load_lanes(p + kLanes);
#if defined(__clang__)
  return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
#else
  typedef int LaneIndex __attribute__((vector_size(kLanes * sizeof(int))));
  return __builtin_shuffle(lo, hi, LaneIndex{0, 2, 4, 6, 8, 10, 12, 14});
#endif
}

template <int SW>
inline Lanes load_strided(const float* p, std::int64_t sw) {
  if constexpr (SW == 1) {
    return load_lanes(p);
  } else if constexpr (SW == 2) {
    return load_even_lanes(p);
  } else {
    Lanes v;
    for (std::int64_t l = 0; l < kLanes; ++l) v[l] = p[l * sw];
    return v;
  }
}

template <int KH, int KW, int SW>
void depthwise_plane(const ConvShape& s, const float* pin, std::int64_t pitch, const float* k, float bias,
                     float* out) {
  const std::int64_t kh = KH > 0 ? KH : s.kh, kw = KW > 0 ? KW : s.kw, sw = SW > 0 ? SW : s.sw;
  const std::int64_t row_step = s.sh * pitch, tap_row = s.dh * pitch, tap_col = s.dw;
  // Stride-2 blocks read 2 * kLanes columns: stop the vector blocks where that would pass
  // the padded row (the scalar tail takes the rest).
  const std::int64_t reach = SW == 2 ? kLanes : 0;
  std::int64_t full = 0;
  while (full + kLanes <= s.ow && (full + kLanes - 1) * sw + (kw - 1) * tap_col + reach < pitch) full += kLanes;
  // Taps broadcast once per plane (a fixed-size local, so they can stay in registers).
  constexpr int kFixedTaps = KH > 0 && KW > 0 ? KH * KW : 1;
  Lanes taps[kFixedTaps];
  if constexpr (KH > 0 && KW > 0)
    for (int t = 0; t < kFixedTaps; ++t) taps[t] = Lanes{} + k[t];
  for (std::int64_t r = 0; r < s.oh; ++r) {
    const float* base = pin + r * row_step;
    float* orow = out + r * s.ow;
    for (std::int64_t c = 0; c < full; c += kLanes) {
      Lanes acc = Lanes{} + bias;
      for (std::int64_t i = 0; i < kh; ++i) {
        const float* row = base + i * tap_row + c * sw;
        for (std::int64_t j = 0; j < kw; ++j) {
          const Lanes x = load_strided<SW>(row + j * tap_col, sw);
          if constexpr (KH > 0 && KW > 0) acc += taps[i * KW + j] * x;
          else acc += k[i * kw + j] * x;
        }
      }
      std::memcpy(orow + c, &acc, sizeof acc);
    }
    for (std::int64_t c = full; c < s.ow; ++c) {
      float acc = bias;
      for (std::int64_t i = 0; i < kh; ++i)
        for (std::int64_t j = 0; j < kw; ++j) acc += k[i * kw + j] * base[i * tap_row + c * sw + j * tap_col];
      orow[c] = acc;
    }
  }
}

using DepthwisePlaneFn = void (*)(const ConvShape&, const float*, std::int64_t, const float*, float, float*);

DepthwisePlaneFn depthwise_plane_fn(const ConvShape& s) {
  const bool sw1 = s.sw == 1, sw2 = s.sw == 2;
  if (s.kh == 3 && s.kw == 3) return sw1 ? depthwise_plane<3, 3, 1> : sw2 ? depthwise_plane<3, 3, 2> : depthwise_plane<3, 3, 0>;
  if (s.kh == 5 && s.kw == 5) return sw1 ? depthwise_plane<5, 5, 1> : sw2 ? depthwise_plane<5, 5, 2> : depthwise_plane<5, 5, 0>;
  return sw1 ? depthwise_plane<0, 0, 1> : sw2 ? depthwise_plane<0, 0, 2> : depthwise_plane<0, 0, 0>;
}

// --- Direct 3x3 depthwise (no padded copy) ---------------------------------------------
// On the small planes of mobile nets (32x32 down to 4x4) copying each plane into a padded
// scratch costs about as much as the taps. For the common case (3x3, dilation 1, left pad 1,
// stride 1 or 2, output width a multiple of the vector width and covering the row exactly)
// the kernel reads the input directly: rows above/below the plane are skipped (their taps
// add zero), interior column blocks use plain unaligned loads, and only the first/last block
// of a row shifts a zero lane in with a shuffle instead of reading outside the row.
// (A class member typedef: GCC drops vector_size on a dependent alias template.)
template <int L>
struct VecOf {
  typedef float type __attribute__((vector_size(L * sizeof(float))));
};
template <int L>
using VecL = typename VecOf<L>::type;

template <int L>
inline VecL<L> load_vec(const float* p) {
  VecL<L> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Two-input lane shuffle with constant indices (one permute/blend instruction).
#if defined(__clang__)
#define QT_SHUFFLE2(T, a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
template <int L>
struct IdxOf {
  typedef int type __attribute__((vector_size(L * sizeof(int))));
};
#define QT_SHUFFLE2(T, a, b, ...) \
  __builtin_shuffle(a, b, typename IdxOf<sizeof(T) / sizeof(float)>::type{__VA_ARGS__})
#endif

// Unaligned store of a register (through a local copy, so the source array is not
// forced onto the stack by taking its address).
template <int L>
inline void store_vec(float* p, VecL<L> v) {
  std::memcpy(p, &v, sizeof v);
}

// All lanes = x. (x - 0 is exact for every x, so it folds to a plain broadcast; `VecL<L>{} + x`
// does not, since 0 + -0 = +0, and the compiler keeps a scalar add in front of it.)
template <int L>
inline VecL<L> splat(float x) {
  return x - VecL<L>{};
}

// {0, v[0], ..., v[L-2]}: the left-neighbour column of the first block of a row.
template <int L>
inline VecL<L> shift_in_zero_left(VecL<L> v) {
  using T = VecL<L>;
  const T z{};
  if constexpr (L == 8) return QT_SHUFFLE2(T, v, z, 8, 0, 1, 2, 3, 4, 5, 6);
  else return QT_SHUFFLE2(T, v, z, 4, 0, 1, 2);
}

// {v[1], ..., v[L-1], 0}: the right-neighbour column of the last block of a row.
template <int L>
inline VecL<L> shift_in_zero_right(VecL<L> v) {
  using T = VecL<L>;
  const T z{};
  if constexpr (L == 8) return QT_SHUFFLE2(T, v, z, 1, 2, 3, 4, 5, 6, 7, 8);
  else return QT_SHUFFLE2(T, v, z, 1, 2, 3, 4);
}

// Lanes p[0], p[2], ..., p[2L-2] and p[1], p[3], ..., p[2L-1] (stride-2 columns).
template <int L>
inline void load_even_odd(const float* p, VecL<L>& even, VecL<L>& odd) {
  using T = VecL<L>;
  const T lo = load_vec<L>(p), hi = load_vec<L>(p + L);
  if constexpr (L == 8) {
    even = QT_SHUFFLE2(T, lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
    odd = QT_SHUFFLE2(T, lo, hi, 1, 3, 5, 7, 9, 11, 13, 15);
  } else {
    even = QT_SHUFFLE2(T, lo, hi, 0, 2, 4, 6);
    odd = QT_SHUFFLE2(T, lo, hi, 1, 3, 5, 7);
  }
}

// Adds one input row's three taps k[0..2] to the L outputs starting at column c.
template <int L, int SW>
inline VecL<L> add_row_taps(VecL<L> acc, const float* row, std::int64_t c, std::int64_t ow, const VecL<L>* k) {
  if constexpr (SW == 1) {
    const VecL<L> mid = load_vec<L>(row + c);
    const VecL<L> left = c > 0 ? load_vec<L>(row + c - 1) : shift_in_zero_left<L>(mid);
    const VecL<L> right = c + L < ow ? load_vec<L>(row + c + 1) : shift_in_zero_right<L>(mid);
    return acc + k[0] * left + k[1] * mid + k[2] * right;
  } else {
    // Output column o reads input columns 2o-1, 2o, 2o+1; the row has exactly 2*ow columns.
    VecL<L> even, odd;
    load_even_odd<L>(row + 2 * c, even, odd);
    VecL<L> left;
    if (c > 0) {
      VecL<L> unused;  // (the shuffle for it is dead code)
      load_even_odd<L>(row + 2 * c - 1, left, unused);
    } else {
      left = shift_in_zero_left<L>(odd);
    }
    return acc + k[0] * left + k[1] * even + k[2] * odd;
  }
}

template <int L, int SW>
void depthwise3x3_direct_plane(const ConvShape& s, const float* in, const float* k9, float bias, float* out) {
  VecL<L> k[9];
  for (int t = 0; t < 9; ++t) k[t] = splat<L>(k9[t]);
  for (std::int64_t r = 0; r < s.oh; ++r) {
    float* orow = out + r * s.ow;
    const std::int64_t top = r * s.sh - s.ph;  // input row of the kernel's first tap row
    for (std::int64_t c = 0; c < s.ow; c += L) {
      // One partial sum per tap row: three short dependency chains instead of one of nine.
      VecL<L> part[3] = {};
      for (std::int64_t i = 0; i < 3; ++i) {
        const std::int64_t ih = top + i;
        if (ih < 0 || ih >= s.h) continue;  // zero padding rows
        part[i] = add_row_taps<L, SW>(part[i], in + ih * s.w, c, s.ow, k + 3 * i);
      }
      const VecL<L> acc = splat<L>(bias) + part[0] + part[1] + part[2];
      store_vec<L>(orow + c, acc);
    }
  }
}

using DirectPlaneFn = void (*)(const ConvShape&, const float*, const float*, float, float*);

// The direct kernel for this shape, or nullptr where only the padded path applies.
DirectPlaneFn depthwise_direct_fn(const ConvShape& s) {
  if (s.kh != 3 || s.kw != 3 || s.dh != 1 || s.dw != 1 || s.pw != 1 || s.ph > 1) return nullptr;
  if (s.sw != 1 && s.sw != 2) return nullptr;
  if (s.ow * s.sw != s.w) return nullptr;  // blocks must cover the row exactly
  if (s.sw == 1) {
    if (s.ow % 8 == 0) return depthwise3x3_direct_plane<8, 1>;
    if (s.ow % 4 == 0) return depthwise3x3_direct_plane<4, 1>;
  } else {
    if (s.ow % 8 == 0) return depthwise3x3_direct_plane<8, 2>;
    if (s.ow % 4 == 0) return depthwise3x3_direct_plane<4, 2>;
  }
  return nullptr;
}

// Depthwise (one input channel per group): each (image, output channel) plane goes to the
// direct 3x3 kernel where it applies; otherwise it is padded into per-thread scratch once,
// then computed by depthwise_plane without bounds checks.
void depthwise(const ConvShape& s, const float* x, const float* wt, const float* bias, float* y) {
  const std::int64_t planes = s.n * s.m;
  // Padded plane: pad_begin rows/columns of zeros, then the input, then zeros up to
  // what the last output reads.
  const std::int64_t pitch = std::max(s.pw + s.w, (s.ow - 1) * s.sw + (s.kw - 1) * s.dw + 1);
  const std::int64_t rows = std::max(s.ph + s.h, (s.oh - 1) * s.sh + (s.kh - 1) * s.dh + 1);
  const bool needs_pad = s.pw != 0 || s.ph != 0 || pitch != s.w || rows != s.h;
  const DepthwisePlaneFn plane_fn = depthwise_plane_fn(s);
  const DirectPlaneFn direct_fn = depthwise_direct_fn(s);
  // Planes per task: at least ~32k multiply-adds, so small late-stage planes batch up.
  const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, s.oh * s.ow * s.kh * s.kw));
  parallel_chunks(planes, grain, [&](std::int64_t begin, std::int64_t end) {
    float* padded = needs_pad && !direct_fn ? thread_scratch(static_cast<std::size_t>(rows * pitch)) : nullptr;
    for (std::int64_t p = begin; p < end; ++p) {
      const std::int64_t n = p / s.m, m = p % s.m, ci = m / s.mg;
      const float* in = x + (n * s.c + ci) * s.h * s.w;
      if (direct_fn) {
        direct_fn(s, in, wt + m * 9, bias ? bias[m] : 0.0f, y + p * s.oh * s.ow);
        continue;
      }
      if (needs_pad) {
        std::fill(padded, padded + s.ph * pitch, 0.0f);
        // Plain loops: the side pads are a column or two, too short for memset calls.
        for (std::int64_t r = 0; r < s.h; ++r) {
          float* dst = padded + (s.ph + r) * pitch;
          const float* src = in + r * s.w;
          for (std::int64_t c = 0; c < s.pw; ++c) dst[c] = 0.0f;
          for (std::int64_t c = 0; c < s.w; ++c) dst[s.pw + c] = src[c];
          for (std::int64_t c = s.pw + s.w; c < pitch; ++c) dst[c] = 0.0f;
        }
        std::fill(padded + (s.ph + s.h) * pitch, padded + rows * pitch, 0.0f);
      }
      plane_fn(s, needs_pad ? padded : in, needs_pad ? pitch : s.w, wt + m * s.kh * s.kw, bias ? bias[m] : 0.0f,
               y + p * s.oh * s.ow);
    }
  });
}

// Columns for output rows [r0, r1) of group g of image n: (cg*kh*kw) x ((r1-r0)*ow).
void im2col(const ConvShape& s, const float* img, std::int64_t r0, std::int64_t r1, float* col) {
  const std::int64_t ncols = (r1 - r0) * s.ow;
  for (std::int64_t c = 0; c < s.cg; ++c) {
    const float* plane = img + c * s.h * s.w;
    for (std::int64_t i = 0; i < s.kh; ++i) {
      for (std::int64_t j = 0; j < s.kw; ++j) {
        float* dst = col + ((c * s.kh + i) * s.kw + j) * ncols;
        const std::int64_t offset = j * s.dw - s.pw;
        std::int64_t x_lo, x_hi;
        valid_range(s.ow, s.w, s.sw, offset, x_lo, x_hi);
        for (std::int64_t r = r0; r < r1; ++r, dst += s.ow) {
          const std::int64_t ih = r * s.sh - s.ph + i * s.dh;
          if (ih < 0 || ih >= s.h) {
            std::fill(dst, dst + s.ow, 0.0f);
            continue;
          }
          const float* src = plane + ih * s.w;
          std::fill(dst, dst + x_lo, 0.0f);
          if (s.sw == 1) {
            if (x_hi > x_lo) std::copy(src + x_lo + offset, src + x_hi + offset, dst + x_lo);
          } else {
            for (std::int64_t x = x_lo; x < x_hi; ++x) dst[x] = src[x * s.sw + offset];
          }
          std::fill(dst + x_hi, dst + s.ow, 0.0f);
        }
      }
    }
  }
}

// --- Small pointwise GEMM ---------------------------------------------------------------
// out[M x N] = w[M x K] * in[K x N] (+ bias per row) for 1x1 convs whose input block fits in
// L2. Eigen packs both operands on every call, which on MobileNetV2-sized problems (16-192
// channels x 16-256 pixels) costs as much as the multiply. This kernel reads them in place:
// a block of R output rows x V vectors of 8 columns is held in R*V registers while k runs,
// each step loading V input vectors and broadcasting R weights. Sums run in k order.
constexpr std::int64_t kPwLanes = 8;
using PwVec = VecL<kPwLanes>;
// Largest K * N (input) and M * K (weights), in floats, that take the small kernel: 64 KiB
// each, so both stay in L2 while every row block re-reads the input. Past that Eigen's
// cache-blocked packing pays off (PP-OCRv4 det's larger 1x1 convs were ~1.5x slower here).
constexpr std::int64_t kSmallPointwiseFloats = 1 << 14;

template <int R, int V>
void pointwise_block(std::int64_t k_dim, const float* w, std::int64_t w_stride, const float* in,
                     std::int64_t in_stride, const float* bias, float* out, std::int64_t out_stride) {
  PwVec acc[R][V];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) acc[i][v] = splat<kPwLanes>(bias ? bias[i] : 0.0f);
  for (std::int64_t k = 0; k < k_dim; ++k) {
    PwVec x[V];
    for (int v = 0; v < V; ++v) x[v] = load_vec<kPwLanes>(in + k * in_stride + v * kPwLanes);
    for (int i = 0; i < R; ++i) {
      const PwVec wk = splat<kPwLanes>(w[i * w_stride + k]);
      for (int v = 0; v < V; ++v) acc[i][v] += wk * x[v];
    }
  }
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) store_vec<kPwLanes>(out + i * out_stride + v * kPwLanes, acc[i][v]);
}

// R output rows over all N columns: 16-column blocks, one 8-column block, then scalars.
template <int R>
void pointwise_rows(std::int64_t k_dim, std::int64_t n_dim, const float* w, std::int64_t w_stride, const float* in,
                    std::int64_t in_stride, const float* bias, float* out, std::int64_t out_stride) {
  std::int64_t c = 0;
  for (; c + 2 * kPwLanes <= n_dim; c += 2 * kPwLanes)
    pointwise_block<R, 2>(k_dim, w, w_stride, in + c, in_stride, bias, out + c, out_stride);
  for (; c + kPwLanes <= n_dim; c += kPwLanes)
    pointwise_block<R, 1>(k_dim, w, w_stride, in + c, in_stride, bias, out + c, out_stride);
  for (; c < n_dim; ++c)
    for (int i = 0; i < R; ++i) {
      float acc = bias ? bias[i] : 0.0f;
      for (std::int64_t k = 0; k < k_dim; ++k) acc += w[i * w_stride + k] * in[k * in_stride + c];
      out[i * out_stride + c] = acc;
    }
}

void small_pointwise(std::int64_t m_dim, std::int64_t k_dim, std::int64_t n_dim, const float* w, const float* in,
                     std::int64_t in_stride, const float* bias, float* out, std::int64_t out_stride) {
  constexpr int kRows = 6;  // 6 rows x 2 vectors = 12 accumulators of the 16 AVX2 registers
  std::int64_t m = 0;
  for (; m + kRows <= m_dim; m += kRows)
    pointwise_rows<kRows>(k_dim, n_dim, w + m * k_dim, k_dim, in, in_stride, bias ? bias + m : nullptr,
                          out + m * out_stride, out_stride);
  const float* w_m = w + m * k_dim;
  const float* b_m = bias ? bias + m : nullptr;
  float* o_m = out + m * out_stride;
  switch (m_dim - m) {
    case 5: pointwise_rows<5>(k_dim, n_dim, w_m, k_dim, in, in_stride, b_m, o_m, out_stride); break;
    case 4: pointwise_rows<4>(k_dim, n_dim, w_m, k_dim, in, in_stride, b_m, o_m, out_stride); break;
    case 3: pointwise_rows<3>(k_dim, n_dim, w_m, k_dim, in, in_stride, b_m, o_m, out_stride); break;
    case 2: pointwise_rows<2>(k_dim, n_dim, w_m, k_dim, in, in_stride, b_m, o_m, out_stride); break;
    case 1: pointwise_rows<1>(k_dim, n_dim, w_m, k_dim, in, in_stride, b_m, o_m, out_stride); break;
    default: break;
  }
}

void gemm_conv(const ConvShape& s, const float* x, const float* wt, const float* bias, float* y) {
  const bool pointwise = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0 &&
                         s.oh == s.h && s.ow == s.w;
  const std::int64_t k = s.cg * s.kh * s.kw;
  const std::int64_t out_hw = s.oh * s.ow;
  const std::int64_t tile_rows =
      std::clamp<std::int64_t>(kMaxColumnFloats / std::max<std::int64_t>(k * s.ow, 1), 1, s.oh);
  const std::int64_t tiles = (s.oh + tile_rows - 1) / tile_rows;
  const std::int64_t tasks = s.n * s.group * tiles;
  Eigen::Map<const RowMatrix> weights(wt, s.m, k);
  parallel_chunks(tasks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t tile = t % tiles, g = (t / tiles) % s.group, n = t / (tiles * s.group);
      const std::int64_t r0 = tile * tile_rows, r1 = std::min(s.oh, r0 + tile_rows);
      const std::int64_t c0 = r0 * s.ow, ncols = (r1 - r0) * s.ow;
      const float* img = x + (n * s.c + g * s.cg) * s.h * s.w;
      StridedMap out(y + (n * s.m + g * s.mg) * out_hw + c0, s.mg, ncols, Eigen::OuterStride<>(out_hw));
      const auto w_g = weights.middleRows(g * s.mg, s.mg);
      if (pointwise && k * ncols <= kSmallPointwiseFloats && s.mg * k <= kSmallPointwiseFloats) {
        small_pointwise(s.mg, k, ncols, wt + g * s.mg * k, img + c0, s.h * s.w, bias ? bias + g * s.mg : nullptr,
                        y + (n * s.m + g * s.mg) * out_hw + c0, out_hw);
        continue;  // bias already added
      }
      if (pointwise) {
        ConstStridedMap in(img + c0, s.cg, ncols, Eigen::OuterStride<>(s.h * s.w));
        out.noalias() = w_g * in;
      } else {
        float* col = thread_scratch(static_cast<std::size_t>(k * ncols));
        im2col(s, img, r0, r1, col);
        out.noalias() = w_g * Eigen::Map<const RowMatrix>(col, k, ncols);
      }
      if (bias) out.colwise() += Eigen::Map<const Eigen::VectorXf>(bias + g * s.mg, s.mg);
    }
  });
}

void conv(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const Tensor& weight = input_at(op, in, 1);
  require_dtype(op, x, DType::Float32, "input X");
  require_dtype(op, weight, DType::Float32, "weight W");
  const ConvShape s = conv_shape(op, x, weight);
  const Tensor* b = optional_input(in, 2);
  if (b) {
    require_dtype(op, *b, DType::Float32, "bias B");
    if (b->numel() != s.m) kernel_error(op, fmt::format("bias has {} values, expected {}", b->numel(), s.m));
  }
  Shape out_shape = x.rank() == 3 ? Shape{s.n, s.m, s.ow} : Shape{s.n, s.m, s.oh, s.ow};
  Tensor y = Tensor::uninitialized(DType::Float32, std::move(out_shape));
  const float* bias = b ? b->data<float>() : nullptr;
  if (y.numel() > 0) {
    if (s.cg == 1 && s.group > 1) depthwise(s, x.data<float>(), weight.data<float>(), bias, y.data<float>());
    else gemm_conv(s, x.data<float>(), weight.data<float>(), bias, y.data<float>());
  }
  out[0] = std::move(y);
}

}  // namespace

void register_conv_kernels() {
  add_builtin_kernel("Conv", conv);
}

}  // namespace qtune
