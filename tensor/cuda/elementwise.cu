// Elementwise kernels: unary maps, binary maps and select over operands that
// are strided views of the output's shape (launch.cuh merges their dims).
// The scalar functions are the reference backend's (tensor/scalar_math.h): the
// same formulas, the same NaN rules, the same i64 support.
#include <type_traits>

#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/scalar_math.h"

namespace chase::cuda {
namespace {

template <UnaryOp op, class T>
struct UnaryBody {
  T* out;
  const T* x;
  __device__ void operator()(const std::int64_t (&offset)[2]) const {
    out[offset[0]] = scalar::unary_value<op>(x[offset[1]]);
  }
};

template <BinaryOp op, class T>
struct BinaryBody {
  T* out;
  const T* a;
  const T* b;
  __device__ void operator()(const std::int64_t (&offset)[3]) const {
    out[offset[0]] = scalar::binary_value<op>(a[offset[1]], b[offset[2]]);
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

}  // namespace

void CudaKernels::unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  select_device(name(op), out, x);
  visit_dtype(out.dtype(), [&](auto zero) {
    visit_unary_op(op, [&](auto op_constant) {
      launch_unary<decltype(op_constant)::value, decltype(zero)>(out, x);
    });
  });
}

void CudaKernels::binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  select_device(name(op), out, a, b);
  visit_dtype(out.dtype(), [&](auto zero) {
    visit_binary_op(op, [&](auto op_constant) {
      launch_binary<decltype(op_constant)::value, decltype(zero)>(out, a, b);
    });
  });
}

void CudaKernels::where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  select_device("where", out, cond, a, b);
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
