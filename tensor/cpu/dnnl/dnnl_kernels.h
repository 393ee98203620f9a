// The oneDNN backend: f32 fast paths on the CPU, reference kernels elsewhere.
#pragma once

#include "tensor/cpu/ref/ref_kernels.h"

namespace chase {

class DnnlKernels : public RefKernels {
 public:
};

Kernels& dnnl_kernels();

}  // namespace chase
