// The fused SGD step: one loop over the parameter's elements applying
// tensor/sgd_rule.h, which the CUDA kernel shares.
#include "tensor/cpu/ref/ref_kernels.h"
#include "tensor/sgd_rule.h"

namespace chase {

void RefKernels::sgd_step(const Tensor& param_out, const Tensor& momentum_out, const Tensor& param,
                          const Tensor& grad, const Tensor& momentum,
                          const SgdStepOptions& options) {
  visit_floating(param.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const SgdRule<T> rule(options, momentum.defined());
    const T* p = param.data<T>();
    const T* g = grad.data<T>();
    const T* b = momentum.defined() ? momentum.data<T>() : nullptr;  // null: first step
    T* p_out = param_out.data<T>();
    T* b_out = momentum_out.defined() ? momentum_out.data<T>() : nullptr;  // null: no momentum
    const std::int64_t n = param.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (std::int64_t i = 0; i < n; ++i) {
      T buffer = b ? b[i] : T(0);
      p_out[i] = rule.update(p[i], g[i], buffer);
      if (b_out) b_out[i] = buffer;
    }
  });
}

}  // namespace chase
