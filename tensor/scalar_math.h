// The scalar functions of the elementwise and reduction kernels, written once
// for both backends: cpu/ref calls them in its loops, cuda/ in its kernels.
// Under nvcc CHASE_HOST_DEVICE compiles them for the GPU as well, where the
// std:: functions they call are CUDA's own: the single-precision function for
// float and the double one for double, never an approximate intrinsic, so
// results stay within CUDA's documented 1-2 ulp of the CPU's.
#pragma once

#include <cmath>
#include <type_traits>

#include "tensor/host_device.h"
#include "tensor/kernels.h"

namespace chase::scalar {

inline constexpr double inv_sqrt2 = 0.70710678118654752440;     // 1 / sqrt(2)
inline constexpr double inv_sqrt_2pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

template <class T>
CHASE_HOST_DEVICE bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

// Standard normal cdf Phi and density phi, the pieces of exact GELU.
template <class T>
CHASE_HOST_DEVICE T normal_cdf(T x) {
  return T(0.5) * (T(1) + std::erf(x * T(inv_sqrt2)));
}
template <class T>
CHASE_HOST_DEVICE T normal_pdf(T x) {
  return T(inv_sqrt_2pi) * std::exp(T(-0.5) * x * x);
}

// The unary op on one value; T is i64 only where !needs_floating(op).
template <UnaryOp op, class T>
CHASE_HOST_DEVICE T unary_value(T v) {
  if constexpr (op == UnaryOp::neg) {
    return T(-v);
  } else if constexpr (op == UnaryOp::abs) {
    return T(std::abs(v));  // fabs on floats: -0 becomes +0
  } else if constexpr (op == UnaryOp::sign) {
    // sign(0) = 0 and sign(NaN) = NaN: the value itself is returned then.
    return v > 0 ? T(1) : v < 0 ? T(-1) : v;
  } else if constexpr (op == UnaryOp::relu) {
    // Written so that NaN passes through, as in PyTorch.
    return v < 0 ? T(0) : v;
  } else if constexpr (op == UnaryOp::exp) {
    return std::exp(v);
  } else if constexpr (op == UnaryOp::log) {
    return std::log(v);
  } else if constexpr (op == UnaryOp::sqrt) {
    return std::sqrt(v);
  } else if constexpr (op == UnaryOp::rsqrt) {
    return T(1) / std::sqrt(v);
  } else if constexpr (op == UnaryOp::gelu) {
    return v * normal_cdf(v);
  } else if constexpr (op == UnaryOp::sigmoid) {
    // 1 / (1 + e^-v) saturates cleanly to 0 and 1: e^-v = inf gives 0, never NaN.
    return T(1) / (T(1) + std::exp(-v));
  } else if constexpr (op == UnaryOp::tanh) {
    return std::tanh(v);
  } else {
    static_assert(op == UnaryOp::erf);
    return std::erf(v);
  }
}

// The binary op on one pair; T is i64 only where !needs_floating(op).
// maximum/minimum return NaN when either side is NaN, as PyTorch's do.
template <BinaryOp op, class T>
CHASE_HOST_DEVICE T binary_value(T a, T b) {
  if constexpr (op == BinaryOp::add) {
    return T(a + b);
  } else if constexpr (op == BinaryOp::sub) {
    return T(a - b);
  } else if constexpr (op == BinaryOp::mul) {
    return T(a * b);
  } else if constexpr (op == BinaryOp::div) {
    return a / b;
  } else if constexpr (op == BinaryOp::pow) {
    return std::pow(a, b);
  } else if constexpr (op == BinaryOp::maximum) {
    return (a > b || is_nan(a)) ? a : b;
  } else if constexpr (op == BinaryOp::minimum) {
    return (a < b || is_nan(a)) ? a : b;
  } else if constexpr (op == BinaryOp::eq) {
    return T(a == b);
  } else if constexpr (op == BinaryOp::ne) {
    return T(a != b);
  } else if constexpr (op == BinaryOp::lt) {
    return T(a < b);
  } else if constexpr (op == BinaryOp::le) {
    return T(a <= b);
  } else if constexpr (op == BinaryOp::gt) {
    return T(a > b);
  } else if constexpr (op == BinaryOp::ge) {
    return T(a >= b);
  } else if constexpr (op == BinaryOp::gelu_backward) {
    // d/dx [x Phi(x)] = Phi(x) + x phi(x); a is the incoming gradient, b is x.
    return a * (normal_cdf(b) + b * normal_pdf(b));
  } else if constexpr (op == BinaryOp::tanh_backward) {
    // d tanh = 1 - y^2 for y = tanh(x) = b. An explicit fma, so that no
    // compiler contracts it on one device and not on the other.
    return a * std::fma(-b, b, T(1));
  } else {
    // d sigmoid = y (1 - y) for y = sigmoid(x) = b.
    static_assert(op == BinaryOp::sigmoid_backward);
    return a * (b * (T(1) - b));
  }
}

// The order of max/argmax (largest) and min/argmin: whether candidate is
// strictly more extreme than best. NaN counts as more extreme than any number
// (PyTorch's max/argmax propagate NaN); two NaNs, or equal numbers, are a tie.
template <bool largest, class T>
CHASE_HOST_DEVICE bool more_extreme(T candidate, T best) {
  if (is_nan(best)) return false;
  if (is_nan(candidate)) return true;
  return largest ? candidate > best : candidate < best;
}

}  // namespace chase::scalar
