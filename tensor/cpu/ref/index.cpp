// STUB: replace with the real kernels.
#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

void RefKernels::gather(const Tensor&, const Tensor&, std::int64_t, const Tensor&) {
  throw Error("RefKernels::gather: not implemented yet");
}

void RefKernels::scatter_add(const Tensor&, std::int64_t, const Tensor&,
                   const Tensor&) {
  throw Error("RefKernels::scatter_add: not implemented yet");
}

void RefKernels::index_select(const Tensor&, const Tensor&, std::int64_t,
                    const Tensor&) {
  throw Error("RefKernels::index_select: not implemented yet");
}

void RefKernels::index_add(const Tensor&, std::int64_t, const Tensor&,
                 const Tensor&) {
  throw Error("RefKernels::index_add: not implemented yet");
}

}  // namespace chase
