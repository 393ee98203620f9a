// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::unary(UnaryOp, const Tensor&, const Tensor&) {
  throw Error("RefKernels::unary: not implemented yet");
}

void RefKernels::binary(BinaryOp, const Tensor&, const Tensor&, const Tensor&) {
  throw Error("RefKernels::binary: not implemented yet");
}

void RefKernels::where(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  throw Error("RefKernels::where: not implemented yet");
}

}  // namespace chase
