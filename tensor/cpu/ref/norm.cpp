// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::batch_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                  const Tensor&, const Tensor&, double) {
  throw Error("RefKernels::batch_norm: not implemented yet");
}

void RefKernels::batch_norm_inference(const Tensor&, const Tensor&, const Tensor&,
                            const Tensor&, const Tensor&,
                            const Tensor&, double) {
  throw Error("RefKernels::batch_norm_inference: not implemented yet");
}

void RefKernels::batch_norm_backward(const Tensor&, const Tensor&,
                           const Tensor&, const Tensor&, const Tensor&,
                           const Tensor&, const Tensor&,
                           const Tensor&) {
  throw Error("RefKernels::batch_norm_backward: not implemented yet");
}

void RefKernels::layer_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                  const Tensor&, const Tensor&, double) {
  throw Error("RefKernels::layer_norm: not implemented yet");
}

void RefKernels::layer_norm_backward(const Tensor&, const Tensor&,
                           const Tensor&, const Tensor&, const Tensor&,
                           const Tensor&, const Tensor&,
                           const Tensor&) {
  throw Error("RefKernels::layer_norm_backward: not implemented yet");
}

}  // namespace chase
