// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::softmax(const Tensor&, const Tensor&, std::int64_t, bool) {
  throw Error("RefKernels::softmax: not implemented yet");
}

void RefKernels::softmax_backward(const Tensor&, const Tensor&, const Tensor&,
                        std::int64_t, bool) {
  throw Error("RefKernels::softmax_backward: not implemented yet");
}

}  // namespace chase
