#pragma once
// Broadcasting binary/ternary loops, shared by the elementwise family and PRelu.
#include "exec/kernels/broadcast.h"

namespace qtune {

// out = f(a, b) elementwise with numpy broadcasting. A and B are the element types of
// a and b, R the output element type (out must already have the broadcast shape).
template <class A, class B, class R, class F>
void broadcast_binary(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  R* po = out.data<R>();
  const std::int64_t n = out.numel();
  if (n == 0) return;
  if (a.numel() == n && b.numel() == n) {  // same shape: one flat loop
    parallel_chunks(n, kElementGrain, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  // One operand a scalar (x + 3, x / 6 in decomposed HardSwish): a flat loop too, split
  // across tasks (the broadcast plan would make it a single row on one thread).
  if (a.numel() == n && b.numel() == 1) {
    const B yv = *pb;
    parallel_chunks(n, kElementGrain, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i) po[i] = f(pa[i], yv);
    });
    return;
  }
  if (a.numel() == 1 && b.numel() == n) {
    const A xv = *pa;
    parallel_chunks(n, kElementGrain, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i) po[i] = f(xv, pb[i]);
    });
    return;
  }
  const Shape* shapes[] = {&a.shape(), &b.shape()};
  const BroadcastPlan plan = make_broadcast_plan(out.shape(), shapes);
  for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t len, const auto& st) {
    const A* x = pa + offs[0];
    const B* y = pb + offs[1];
    R* z = po + o;
    if (st[0] == 1 && st[1] == 1) {
      for (std::int64_t i = 0; i < len; ++i) z[i] = f(x[i], y[i]);
    } else if (st[0] == 1 && st[1] == 0) {
      const B yv = *y;
      for (std::int64_t i = 0; i < len; ++i) z[i] = f(x[i], yv);
    } else if (st[0] == 0 && st[1] == 1) {
      const A xv = *x;
      for (std::int64_t i = 0; i < len; ++i) z[i] = f(xv, y[i]);
    } else {
      for (std::int64_t i = 0; i < len; ++i) z[i] = f(x[i * st[0]], y[i * st[1]]);
    }
  });
}

}  // namespace qtune
