// Elementwise kernels: unary maps, binary maps and select over inputs that are
// strided views (transposes, stride-0 broadcasts) of the output's shape.
//
// Speed comes from two things: dims that every operand walks as one block are
// merged first (so a contiguous tensor, or one plus a broadcast scalar, is a
// single 1-d run split among threads), and each run picks a unit-stride loop the
// compiler vectorises whenever the strides allow it. The scalar function of each
// op is tensor/scalar_math.h's, shared with the CUDA backend.
#include <algorithm>
#include <type_traits>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/cpu/ref/strided.h"
#include "tensor/scalar_math.h"

namespace chase {
namespace {

// ---- geometry: merging dims and splitting work ----------------------------------

template <std::size_t N>
struct Geometry {
  Shape shape;
  std::array<Shape, N> strides;
};

// Drops size-1 dims and merges dim d into d+1 wherever every operand steps
// over the pair as one dim (stride[d] == stride[d+1] * size[d+1]).
template <std::size_t N>
Geometry<N> coalesce(const Shape& shape, const std::array<Shape, N>& strides) {
  Geometry<N> g;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool mergeable = !g.shape.empty();
    for (std::size_t k = 0; k < N && mergeable; ++k)
      mergeable = g.strides[k].back() == strides[k][d] * shape[d];
    if (mergeable) {
      g.shape.back() *= shape[d];
      for (std::size_t k = 0; k < N; ++k) g.strides[k].back() = strides[k][d];
    } else {
      g.shape.push_back(shape[d]);
      for (std::size_t k = 0; k < N; ++k) g.strides[k].push_back(strides[k][d]);
    }
  }
  return g;
}

// As for_each_row, after coalescing; a problem that merges into one long row is
// cut into chunks so that it still spreads over the threads.
template <std::size_t N, class RowFn>
void for_each_run(const Shape& shape, const std::array<Shape, N>& strides, RowFn&& row) {
  auto g = coalesce<N>(shape, strides);
  if (g.shape.size() != 1) {
    for_each_row<N>(g.shape, g.strides, row);
    return;
  }
  constexpr std::int64_t chunk = 16384;
  const auto n = g.shape[0];
#pragma omp parallel for schedule(static) if (n > 2 * chunk)
  for (std::int64_t start = 0; start < n; start += chunk) {
    std::array<std::int64_t, N> base, step;
    for (std::size_t k = 0; k < N; ++k) {
      step[k] = g.strides[k][0];
      base[k] = start * step[k];
    }
    row(base, step, std::min(chunk, n - start));
  }
}

// ---- the maps -----------------------------------------------------------------------

template <class T, class F>
void map_unary(const Tensor& out, const Tensor& x, F f) {
  T* o = out.data<T>();
  const T* in = x.data<T>();
  for_each_run<2>(out.shape(), {out.strides(), x.strides()},
                  [&](auto base, auto step, std::int64_t n) {
                    T* po = o + base[0];
                    const T* px = in + base[1];
                    if (step[0] == 1 && step[1] == 1) {
                      for (std::int64_t i = 0; i < n; ++i) po[i] = f(px[i]);
                    } else {
                      for (std::int64_t i = 0; i < n; ++i) po[i * step[0]] = f(px[i * step[1]]);
                    }
                  });
}

template <class T, class F>
void map_binary(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  T* o = out.data<T>();
  const T* in_a = a.data<T>();
  const T* in_b = b.data<T>();
  for_each_run<3>(out.shape(), {out.strides(), a.strides(), b.strides()},
                  [&](auto base, auto step, std::int64_t n) {
                    T* po = o + base[0];
                    const T* pa = in_a + base[1];
                    const T* pb = in_b + base[2];
                    if (step[0] == 1 && step[1] == 1 && step[2] == 1) {
                      for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
                    } else if (step[0] == 1 && step[1] == 1 && step[2] == 0) {
                      const T vb = *pb;  // a row against a broadcast scalar
                      for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], vb);
                    } else if (step[0] == 1 && step[1] == 0 && step[2] == 1) {
                      const T va = *pa;
                      for (std::int64_t i = 0; i < n; ++i) po[i] = f(va, pb[i]);
                    } else {
                      for (std::int64_t i = 0; i < n; ++i)
                        po[i * step[0]] = f(pa[i * step[1]], pb[i * step[2]]);
                    }
                  });
}

}  // namespace

// Ops that need real numbers are not instantiated for i64 and throw instead.
void RefKernels::unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    visit_unary_op(op, [&](auto op_constant) {
      constexpr UnaryOp kOp = decltype(op_constant)::value;
      if constexpr (needs_floating(kOp) && !std::is_floating_point_v<T>) {
        throw Error(fmt::format("unary: {} is not defined for dtype {}", name(op),
                                name(out.dtype())));
      } else {
        map_unary<T>(out, x, [](T v) { return scalar::unary_value<kOp>(v); });
      }
    });
  });
}

void RefKernels::binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    visit_binary_op(op, [&](auto op_constant) {
      constexpr BinaryOp kOp = decltype(op_constant)::value;
      if constexpr (needs_floating(kOp) && !std::is_floating_point_v<T>) {
        throw Error(fmt::format("binary: {} is not defined for dtype {}", name(op),
                                name(out.dtype())));
      } else {
        map_binary<T>(out, a, b, [](T va, T vb) { return scalar::binary_value<kOp>(va, vb); });
      }
    });
  });
}

void RefKernels::where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  visit_dtype(out.dtype(), [&](auto zero) {
    visit_dtype(cond.dtype(), [&](auto cond_zero) {
      using T = decltype(zero);
      using C = decltype(cond_zero);
      T* o = out.data<T>();
      const C* pc = cond.data<C>();
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      for_each_run<4>(out.shape(), {out.strides(), cond.strides(), a.strides(), b.strides()},
                      [&](auto base, auto step, std::int64_t n) {
                        for (std::int64_t i = 0; i < n; ++i)
                          o[base[0] + i * step[0]] = pc[base[1] + i * step[1]] != C(0)
                                                         ? pa[base[2] + i * step[2]]
                                                         : pb[base[3] + i * step[3]];
                      });
    });
  });
}

}  // namespace chase
