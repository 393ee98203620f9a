#include "tensor/cpu/dnnl/dnnl_kernels.h"

namespace chase {

Kernels& dnnl_kernels() {
  static DnnlKernels kernels;
  return kernels;
}

}  // namespace chase
