// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::reduce(ReduceOp, const Tensor&, const Tensor&) {
  throw Error("RefKernels::reduce: not implemented yet");
}

}  // namespace chase
