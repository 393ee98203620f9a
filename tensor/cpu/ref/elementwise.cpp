// Elementwise kernels: unary maps, binary maps and select over inputs that are
// strided views (transposes, stride-0 broadcasts) of the output's shape.
//
// Speed comes from two things: dims that every operand walks as one block are
// merged first (so a contiguous tensor, or one plus a broadcast scalar, is a
// single 1-d run split among threads), and each run picks a unit-stride loop the
// compiler vectorises whenever the strides allow it.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/cpu/ref/strided.h"

namespace chase {
namespace {

constexpr double inv_sqrt2 = 0.70710678118654752440;     // 1 / sqrt(2)
constexpr double inv_sqrt_2pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

// Standard normal cdf Phi and density phi, the pieces of exact GELU.
template <class T>
T normal_cdf(T x) {
  return T(0.5) * (T(1) + std::erf(x * T(inv_sqrt2)));
}
template <class T>
T normal_pdf(T x) {
  return T(inv_sqrt_2pi) * std::exp(T(-0.5) * x * x);
}

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

// Calls apply(f) with f the scalar function of op on T. Ops that need real
// numbers are not instantiated for i64 and throw instead.
template <class T, class Apply>
void with_unary_function(UnaryOp op, Apply&& apply) {
  switch (op) {
    case UnaryOp::neg: return apply([](T v) { return T(-v); });
    case UnaryOp::abs: return apply([](T v) { return T(std::abs(v)); });
    // sign(0) = 0 and sign(NaN) = NaN: the value itself is returned then.
    case UnaryOp::sign: return apply([](T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : v; });
    // Written so that NaN passes through, as in PyTorch.
    case UnaryOp::relu: return apply([](T v) { return v < 0 ? T(0) : v; });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::exp: return apply([](T v) { return std::exp(v); });
      case UnaryOp::log: return apply([](T v) { return std::log(v); });
      case UnaryOp::sqrt: return apply([](T v) { return std::sqrt(v); });
      case UnaryOp::rsqrt: return apply([](T v) { return T(1) / std::sqrt(v); });
      case UnaryOp::gelu: return apply([](T v) { return v * normal_cdf(v); });
      // 1 / (1 + e^-v) saturates cleanly to 0 and 1: e^-v = inf gives 0, never NaN.
      case UnaryOp::sigmoid: return apply([](T v) { return T(1) / (T(1) + std::exp(-v)); });
      case UnaryOp::tanh: return apply([](T v) { return std::tanh(v); });
      case UnaryOp::erf: return apply([](T v) { return std::erf(v); });
      default: break;
    }
  }
  throw Error(
      fmt::format("unary: {} is not defined for dtype {}", name(op), name(dtype_of<T>::value)));
}

// max/min that return NaN when either side is NaN, as PyTorch's maximum/minimum.
template <class T>
T propagating_max(T a, T b) {
  return (a > b || is_nan(a)) ? a : b;
}
template <class T>
T propagating_min(T a, T b) {
  return (a < b || is_nan(a)) ? a : b;
}

template <class T, class Apply>
void with_binary_function(BinaryOp op, Apply&& apply) {
  switch (op) {
    case BinaryOp::add: return apply([](T a, T b) { return T(a + b); });
    case BinaryOp::sub: return apply([](T a, T b) { return T(a - b); });
    case BinaryOp::mul: return apply([](T a, T b) { return T(a * b); });
    case BinaryOp::maximum: return apply([](T a, T b) { return propagating_max(a, b); });
    case BinaryOp::minimum: return apply([](T a, T b) { return propagating_min(a, b); });
    case BinaryOp::eq: return apply([](T a, T b) { return T(a == b); });
    case BinaryOp::ne: return apply([](T a, T b) { return T(a != b); });
    case BinaryOp::lt: return apply([](T a, T b) { return T(a < b); });
    case BinaryOp::le: return apply([](T a, T b) { return T(a <= b); });
    case BinaryOp::gt: return apply([](T a, T b) { return T(a > b); });
    case BinaryOp::ge: return apply([](T a, T b) { return T(a >= b); });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::div: return apply([](T a, T b) { return a / b; });
      case BinaryOp::pow: return apply([](T a, T b) { return std::pow(a, b); });
      // d/dx [x Phi(x)] = Phi(x) + x phi(x); a is the incoming gradient, b is x.
      case BinaryOp::gelu_backward:
        return apply([](T a, T b) { return a * (normal_cdf(b) + b * normal_pdf(b)); });
      default: break;
    }
  }
  throw Error(
      fmt::format("binary: {} is not defined for dtype {}", name(op), name(dtype_of<T>::value)));
}

}  // namespace

void RefKernels::unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    with_unary_function<T>(op, [&](auto f) { map_unary<T>(out, x, f); });
  });
}

void RefKernels::binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    with_binary_function<T>(op, [&](auto f) { map_binary<T>(out, a, b, f); });
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
