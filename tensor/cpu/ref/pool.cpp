// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::max_pool2d(const Tensor&, const Tensor&, const Tensor&,
                  const Pool2dOptions&) {
  throw Error("RefKernels::max_pool2d: not implemented yet");
}

void RefKernels::max_pool2d_backward(const Tensor&, const Tensor&,
                           const Tensor&) {
  throw Error("RefKernels::max_pool2d_backward: not implemented yet");
}

void RefKernels::avg_pool2d(const Tensor&, const Tensor&, const Pool2dOptions&) {
  throw Error("RefKernels::avg_pool2d: not implemented yet");
}

void RefKernels::avg_pool2d_backward(const Tensor&, const Tensor&,
                           const Pool2dOptions&) {
  throw Error("RefKernels::avg_pool2d_backward: not implemented yet");
}

void RefKernels::adaptive_avg_pool2d(const Tensor&, const Tensor&) {
  throw Error("RefKernels::adaptive_avg_pool2d: not implemented yet");
}

void RefKernels::adaptive_avg_pool2d_backward(const Tensor&, const Tensor&) {
  throw Error("RefKernels::adaptive_avg_pool2d_backward: not implemented yet");
}

}  // namespace chase
