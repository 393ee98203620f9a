// The fused SGD step on the GPU: one thread per parameter element applying
// tensor/sgd_rule.h, the rule the reference backend loops over.
#include "tensor/cuda/cuda_kernels.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/sgd_rule.h"

namespace chase::cuda {
namespace {

template <class T>
struct SgdStepBody {
  SgdRule<T> rule;
  const T* param;
  const T* grad;
  const T* buffer;  // null on the buffer's first step and without momentum
  T* param_out;
  T* buffer_out;    // null without momentum

  __device__ void operator()(std::int64_t i) const {
    T b = buffer ? buffer[i] : T(0);
    param_out[i] = rule.update(param[i], grad[i], b);
    if (buffer_out) buffer_out[i] = b;
  }
};

template <class T>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace

void CudaKernels::sgd_step(const Tensor& param_out, const Tensor& momentum_out,
                           const Tensor& param, const Tensor& grad, const Tensor& momentum,
                           const SgdStepOptions& options) {
  select_device("sgd_step", param_out, momentum_out, param, grad, momentum);
  visit_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    index_map("sgd_step", param.numel(),
              SgdStepBody<T>{SgdRule<T>(options, momentum.defined()), param.data<T>(),
                             grad.data<T>(), data_or_null<T>(momentum), param_out.data<T>(),
                             data_or_null<T>(momentum_out)});
  });
}

}  // namespace chase::cuda
