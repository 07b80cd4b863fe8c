#pragma once
// Geometry of a MaxPool / AveragePool: (image, channel) planes, input plane size, the
// resolved spatial dims (pads, strides, dilations, ceil_mode, auto_pad) and the output
// shape. Shared by the forward kernels and their gradients (framework/grad/pool_grad.cpp).
#include "exec/kernels/kernel_util.h"

namespace qtune {

struct PoolShape {
  std::int64_t planes, h, w;
  SpatialDim dh, dw;   // dh unused (default) for 1-D pools
  Shape out_shape;
};

// X of rank 3 (1-D) or 4 (2-D); any other rank is a kernel error naming the op.
PoolShape pool_shape(const Op& op, const Tensor& x);

}  // namespace qtune
