// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::matmul(const Tensor&, const Tensor&, const Tensor&) {
  throw Error("RefKernels::matmul: not implemented yet");
}

}  // namespace chase
