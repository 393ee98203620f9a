// Elementwise kernels: unary maps, binary maps and select over operands that
// are strided views of the output's shape (launch.cuh merges their dims).
// Each scalar function mirrors the reference backend's (cpu/ref/elementwise.cpp):
// the same formulas, the same NaN rules, the same i64 support.
#include <type_traits>

#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/device_math.cuh"
#include "tensor/cuda/launch.cuh"

namespace chase::cuda {
namespace {

constexpr double inv_sqrt2 = 0.70710678118654752440;     // 1 / sqrt(2)
constexpr double inv_sqrt_2pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

// Standard normal cdf Phi and density phi, the pieces of exact GELU.
template <class T>
__device__ T normal_cdf(T x) {
  return T(0.5) * (T(1) + device_erf(x * T(inv_sqrt2)));
}
template <class T>
__device__ T normal_pdf(T x) {
  return T(inv_sqrt_2pi) * device_exp(T(-0.5) * x * x);
}

// Ops that need real numbers; the rest also run on i64.
constexpr bool needs_floating(UnaryOp op) {
  return !(op == UnaryOp::neg || op == UnaryOp::abs || op == UnaryOp::sign || op == UnaryOp::relu);
}
constexpr bool needs_floating(BinaryOp op) {
  return op == BinaryOp::div || op == BinaryOp::pow || op == BinaryOp::gelu_backward;
}

template <UnaryOp op, class T>
__device__ T unary_value(T v) {
  if constexpr (op == UnaryOp::neg) {
    return T(-v);
  } else if constexpr (op == UnaryOp::abs) {
    return device_abs(v);
  } else if constexpr (op == UnaryOp::sign) {
    // sign(0) = 0 and sign(NaN) = NaN: the value itself is returned then.
    return v > 0 ? T(1) : v < 0 ? T(-1) : v;
  } else if constexpr (op == UnaryOp::relu) {
    // Written so that NaN passes through, as in PyTorch.
    return v < 0 ? T(0) : v;
  } else if constexpr (op == UnaryOp::exp) {
    return device_exp(v);
  } else if constexpr (op == UnaryOp::log) {
    return device_log(v);
  } else if constexpr (op == UnaryOp::sqrt) {
    return device_sqrt(v);
  } else if constexpr (op == UnaryOp::rsqrt) {
    return T(1) / device_sqrt(v);
  } else if constexpr (op == UnaryOp::gelu) {
    return v * normal_cdf(v);
  } else if constexpr (op == UnaryOp::sigmoid) {
    // 1 / (1 + e^-v) saturates cleanly to 0 and 1: e^-v = inf gives 0, never NaN.
    return T(1) / (T(1) + device_exp(-v));
  } else if constexpr (op == UnaryOp::tanh) {
    return device_tanh(v);
  } else {
    static_assert(op == UnaryOp::erf);
    return device_erf(v);
  }
}

// maximum/minimum return NaN when either side is NaN, as PyTorch's do.
template <BinaryOp op, class T>
__device__ T binary_value(T a, T b) {
  if constexpr (op == BinaryOp::add) {
    return T(a + b);
  } else if constexpr (op == BinaryOp::sub) {
    return T(a - b);
  } else if constexpr (op == BinaryOp::mul) {
    return T(a * b);
  } else if constexpr (op == BinaryOp::div) {
    return a / b;
  } else if constexpr (op == BinaryOp::pow) {
    return device_pow(a, b);
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
  } else {
    // d/dx [x Phi(x)] = Phi(x) + x phi(x); a is the incoming gradient, b is x.
    static_assert(op == BinaryOp::gelu_backward);
    return a * (normal_cdf(b) + b * normal_pdf(b));
  }
}

template <UnaryOp op, class T>
struct UnaryBody {
  T* out;
  const T* x;
  __device__ void operator()(const std::int64_t (&offset)[2]) const {
    out[offset[0]] = unary_value<op>(x[offset[1]]);
  }
};

template <BinaryOp op, class T>
struct BinaryBody {
  T* out;
  const T* a;
  const T* b;
  __device__ void operator()(const std::int64_t (&offset)[3]) const {
    out[offset[0]] = binary_value<op>(a[offset[1]], b[offset[2]]);
  }
};

template <class T, class C>
struct WhereBody {
  T* out;
  const C* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const std::int64_t (&offset)[4]) const {
    out[offset[0]] = cond[offset[1]] != C(0) ? a[offset[2]] : b[offset[3]];
  }
};

template <UnaryOp op, class T>
void launch_unary(const Tensor& out, const Tensor& x) {
  if constexpr (needs_floating(op) && !std::is_floating_point_v<T>) {
    throw Error(fmt::format("unary: {} is not defined for dtype {}", name(op), name(out.dtype())));
  } else {
    strided_map<2>(name(op), out.shape(), {&out, &x}, UnaryBody<op, T>{out.data<T>(), x.data<T>()});
  }
}

template <BinaryOp op, class T>
void launch_binary(const Tensor& out, const Tensor& a, const Tensor& b) {
  if constexpr (needs_floating(op) && !std::is_floating_point_v<T>) {
    throw Error(fmt::format("binary: {} is not defined for dtype {}", name(op), name(out.dtype())));
  } else {
    strided_map<3>(name(op), out.shape(), {&out, &a, &b},
                   BinaryBody<op, T>{out.data<T>(), a.data<T>(), b.data<T>()});
  }
}

template <class T>
void unary_typed(UnaryOp op, const Tensor& out, const Tensor& x) {
  switch (op) {
    case UnaryOp::neg: return launch_unary<UnaryOp::neg, T>(out, x);
    case UnaryOp::exp: return launch_unary<UnaryOp::exp, T>(out, x);
    case UnaryOp::log: return launch_unary<UnaryOp::log, T>(out, x);
    case UnaryOp::sqrt: return launch_unary<UnaryOp::sqrt, T>(out, x);
    case UnaryOp::rsqrt: return launch_unary<UnaryOp::rsqrt, T>(out, x);
    case UnaryOp::abs: return launch_unary<UnaryOp::abs, T>(out, x);
    case UnaryOp::sign: return launch_unary<UnaryOp::sign, T>(out, x);
    case UnaryOp::relu: return launch_unary<UnaryOp::relu, T>(out, x);
    case UnaryOp::gelu: return launch_unary<UnaryOp::gelu, T>(out, x);
    case UnaryOp::sigmoid: return launch_unary<UnaryOp::sigmoid, T>(out, x);
    case UnaryOp::tanh: return launch_unary<UnaryOp::tanh, T>(out, x);
    case UnaryOp::erf: return launch_unary<UnaryOp::erf, T>(out, x);
  }
}

template <class T>
void binary_typed(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::add: return launch_binary<BinaryOp::add, T>(out, a, b);
    case BinaryOp::sub: return launch_binary<BinaryOp::sub, T>(out, a, b);
    case BinaryOp::mul: return launch_binary<BinaryOp::mul, T>(out, a, b);
    case BinaryOp::div: return launch_binary<BinaryOp::div, T>(out, a, b);
    case BinaryOp::pow: return launch_binary<BinaryOp::pow, T>(out, a, b);
    case BinaryOp::maximum: return launch_binary<BinaryOp::maximum, T>(out, a, b);
    case BinaryOp::minimum: return launch_binary<BinaryOp::minimum, T>(out, a, b);
    case BinaryOp::eq: return launch_binary<BinaryOp::eq, T>(out, a, b);
    case BinaryOp::ne: return launch_binary<BinaryOp::ne, T>(out, a, b);
    case BinaryOp::lt: return launch_binary<BinaryOp::lt, T>(out, a, b);
    case BinaryOp::le: return launch_binary<BinaryOp::le, T>(out, a, b);
    case BinaryOp::gt: return launch_binary<BinaryOp::gt, T>(out, a, b);
    case BinaryOp::ge: return launch_binary<BinaryOp::ge, T>(out, a, b);
    case BinaryOp::gelu_backward: return launch_binary<BinaryOp::gelu_backward, T>(out, a, b);
  }
}

}  // namespace

void CudaKernels::unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  check_served(name(op), out, x);
  visit_dtype(out.dtype(), [&](auto zero) { unary_typed<decltype(zero)>(op, out, x); });
}

void CudaKernels::binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  check_served(name(op), out, a, b);
  visit_dtype(out.dtype(), [&](auto zero) { binary_typed<decltype(zero)>(op, out, a, b); });
}

void CudaKernels::where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_served("where", out, cond, a, b);
  visit_dtype(out.dtype(), [&](auto zero) {
    visit_dtype(cond.dtype(), [&](auto cond_zero) {
      using T = decltype(zero);
      using C = decltype(cond_zero);
      strided_map<4>("where", out.shape(), {&out, &cond, &a, &b},
                     WhereBody<T, C>{out.data<T>(), cond.data<C>(), a.data<T>(), b.data<T>()});
    });
  });
}

}  // namespace chase::cuda
