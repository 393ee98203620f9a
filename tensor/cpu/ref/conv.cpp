// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::conv2d(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
              const Conv2dOptions&) {
  throw Error("RefKernels::conv2d: not implemented yet");
}

void RefKernels::conv2d_backward_input(const Tensor&, const Tensor&, const Tensor&,
                             const Conv2dOptions&) {
  throw Error("RefKernels::conv2d_backward_input: not implemented yet");
}

void RefKernels::conv2d_backward_weight(const Tensor&, const Tensor&, const Tensor&,
                              const Conv2dOptions&) {
  throw Error("RefKernels::conv2d_backward_weight: not implemented yet");
}

}  // namespace chase
